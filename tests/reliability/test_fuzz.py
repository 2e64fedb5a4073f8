"""Fuzz the live server from its own OpenAPI spec (schemathesis): no 5xx, responses match it.

Bounded: a few generated examples per operation and generation mode (valid data, then data
that violates the spec), no shrinking, a timeout per request and an overall time budget. The
server is the session's real ``sourcier serve``; the spec is the one it serves.

Checks run on every response:

- ``not_a_server_error``: nothing answers 5xx;
- ``response_schema_conformance`` / ``content_type_conformance``: a documented status's body
  and content type match the spec;
- ``status_code_conformance``: every status answered is documented;
- ``negative_data_rejection``: data that violates the spec is refused with a 4xx.

schemathesis' pytest integration (``from_fixture`` + ``parametrize``) does not run under
pytest 9 (it writes ``Function._nodeid``, which pytest 9 removed), so each operation's
Hypothesis strategy is driven directly here: same generation, same checks.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.support.processes import LiveServer

#: Generated examples per operation and generation mode.
EXAMPLES = 10
#: Seconds one request may take (a hang is a failure too).
REQUEST_TIMEOUT_S = 30.0
#: Overall budget for one generation mode: the test stops generating once it is spent.
BUDGET_S = 50.0


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        content_type_conformance,
        negative_data_rejection,
    ]


def _fuzz(operation: Any, mode: schemathesis.GenerationMode, checks: list[Any], deadline: float) -> int:
    """Run one operation's generated cases through the checks; returns how many were sent."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        if time.monotonic() > deadline:
            return
        sent += 1
        case.call_and_validate(checks=checks, timeout=REQUEST_TIMEOUT_S)

    run()
    return sent


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer) -> Any:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json", wait_for_schema=30)
    # The spec declares the optional bearer key (HTTPBearer); the session's server runs without
    # one, so "Authorization missing" is not a violation there: leave auth headers out.
    schema.config.generation.update(
        max_examples=EXAMPLES, no_shrink=True, deterministic=True, with_security_parameters=False
    )
    # A body over the server's limit (1 MB) is refused with 413 Content Too Large before it is
    # read: a rejection too, which schemathesis' default list leaves out.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    return schema


@pytest.mark.timeout(150)
@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(api_schema: Any, mode: schemathesis.GenerationMode) -> None:
    checks = _checks()
    deadline = time.monotonic() + BUDGET_S
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/ask", "/search", "/documents", "/documents/{document_id}"}
    failures: list[str] = []
    calls: dict[str, int] = {}

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        try:
            calls[label] = _fuzz(operation, mode, checks, deadline)
        except Unsatisfiable:
            # No parameters and no body (GET /health...): there is nothing to make invalid.
            assert mode == schemathesis.GenerationMode.NEGATIVE, label
        except Exception as error:
            failures.append(f"{label}: {error}")

    assert not failures, "\n\n".join(failures)
    assert calls, "no request was generated"
    print(f"{mode.value}: requests per operation {calls}")
