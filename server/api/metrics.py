"""``/metrics`` in Prometheus' text format.

- per route: requests (by method and status) and latency, from prometheus-fastapi-instrumentator;
- per answering stage: the ``timings_ms`` every answer carries (embed, search, answer, total);
- answers given and refused (``sourcier_answers_total{outcome}``; the abstention rate is
  ``abstained / total``, also exported as a gauge since start-up);
- 👍/👎 stored in the feedback database, read at scrape time so they survive restarts.

Each app gets its own registry (nothing global), so several apps can live in one process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from server.api.deps import require_api_key
from server.engine.types import Answer
from sourcier.feedback import FeedbackStore, FeedbackStoreError

#: Seconds; answering stages range from well under a millisecond (search) to seconds (an LLM).
STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class AnswerMetrics:
    """Observes every answer the service gives (HTTP, stream or chat alike)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.stage_seconds = Histogram(
            "sourcier_answer_stage_seconds",
            "Time spent in each answering stage.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.answers = Counter(
            "sourcier_answers_total", "Answers given, by outcome.", ["outcome"], registry=registry
        )
        self.abstention_ratio = Gauge(
            "sourcier_abstention_ratio", "Share of questions refused since start-up.", registry=registry
        )
        self._lock = threading.Lock()
        self._asked = self._refused = 0

    def observe(self, response: Answer) -> None:
        timings = response.timings
        for stage, ms in (
            ("embed", timings.embed),
            ("search", timings.search),
            ("answer", timings.answer),
            ("total", timings.total),
        ):
            self.stage_seconds.labels(stage).observe(ms / 1000)
        self.answers.labels("abstained" if response.abstained else "answered").inc()
        with self._lock:
            self._asked += 1
            self._refused += response.abstained
            self.abstention_ratio.set(self._refused / self._asked)


class FeedbackCollector(Collector):
    """The verdicts stored so far, by verdict (read from SQLite at each scrape)."""

    def __init__(self, store: FeedbackStore) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "sourcier_feedback", "Readers' verdicts stored, by verdict (up/down).", labels=["verdict"]
        )
        try:
            counts = self.store.counts()
        except FeedbackStoreError:
            counts = {}
        for verdict, count in sorted(counts.items()):
            family.add_metric([verdict], count)
        yield family


def install_metrics(app: FastAPI, feedback: FeedbackStore) -> AnswerMetrics:
    """Instrument ``app``'s routes and serve ``/metrics`` (behind the API key when one is set);
    returns the answer observer to hand to the service."""
    registry = CollectorRegistry()
    Instrumentator(
        registry=registry,
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
    ).instrument(app).expose(app, include_in_schema=False, dependencies=[Depends(require_api_key)])
    registry.register(FeedbackCollector(feedback))
    return AnswerMetrics(registry)
