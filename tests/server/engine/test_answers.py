"""Answers over the real server: right documents and spans, abstention, filters, SSE, follow-ups.

The citation invariant is checked on every answer by the ``client`` fixture's hook (see
``conftest.py``); the tests here add what each scenario must say.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.http_checks import ABSTENTION_PREFIX, Checker, parse_sse

DOC_AVOCADO = "000_9d4ca8a47585dcb9"  # dated 2025-12-11: Avocado, Llama, TBD Lab, Alexandr Wang
DOC_BEHEMOTH = "004_7c747817cc0070a0"  # undated: Behemoth, the NYT report
SUCCESSOR = "Quel est le nom de code du successeur de Llama ?"
BEHEMOTH = "Pourquoi la sortie de Behemoth a-t-elle été suspendue ?"


def ask(client: httpx.Client, question: str, **body: Any) -> dict[str, Any]:
    response = client.post("/ask", json={"question": question, **body})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def cited_documents(answer: dict[str, Any]) -> set[str]:
    return {c["document_id"] for c in answer["citations"]}


# --- answers about both articles -------------------------------------------------------------


def test_successor_of_llama_is_avocado(client: httpx.Client) -> None:
    answer = ask(client, SUCCESSOR)
    assert not answer["abstained"]
    assert "Avocado" in answer["answer"]
    assert cited_documents(answer) == {DOC_AVOCADO}
    first = answer["citations"][0]
    assert "Avocado est le nom de code du successeur de Llama" in first["quote"]
    assert first["date"] == "2025-12-11" and first["title"]
    assert answer["mode"] == "extractive" and answer["notice"] is None and answer["unsupported"] == []
    assert answer["standalone_question"] is None
    [sentence] = answer["sentences"]
    assert sentence["confident"] is True and sentence["margin"] > 0
    timings = answer["timings_ms"]
    assert set(timings) == {"embed", "search", "answer", "total"}
    assert all(v >= 0 for v in timings.values()) and timings["total"] >= timings["embed"]


def test_behemoth_question_cites_the_other_article(client: httpx.Client) -> None:
    answer = ask(client, BEHEMOTH)
    assert not answer["abstained"]
    assert cited_documents(answer) == {DOC_BEHEMOTH}
    assert any("performances jugées décevantes" in c["quote"] for c in answer["citations"])
    assert all(c["date"] is None for c in answer["citations"])


@pytest.mark.parametrize(
    ("question", "document_id", "expected"),
    [
        # the sentence that names who ("Sous la houlette d'Alexandr Wang, ce laboratoire…"), not
        # the one that only names the lab
        ("Qui dirige le TBD Lab ?", DOC_AVOCADO, "Alexandr Wang"),
        ("Qui est Alexandr Wang ?", DOC_AVOCADO, "Alexandr Wang"),
        ("Qu'a déclaré Zuckerberg dans un podcast ?", DOC_BEHEMOTH, "podcast"),
    ],
)
def test_more_answers_cite_the_right_article(
    client: httpx.Client, question: str, document_id: str, expected: str
) -> None:
    answer = ask(client, question)
    assert not answer["abstained"], answer
    assert document_id in cited_documents(answer)
    assert expected in answer["answer"]


# --- abstention -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Combien de paramètres compte Behemoth ?",
        "Quelle est la capitale de l'Australie ?",
        "Comment réussir une pâte à crêpes sans grumeaux ?",
    ],
)
def test_unanswerable_questions_abstain_in_french(client: httpx.Client, question: str) -> None:
    answer = ask(client, question)
    assert answer["abstained"] is True
    assert answer["citations"] == [] and answer["sentences"] == []
    assert answer["answer"].startswith(ABSTENTION_PREFIX) and "corpus" in answer["answer"]


# --- filters ------------------------------------------------------------------------------------


def test_document_filter_restricts_the_sources(client: httpx.Client) -> None:
    only_behemoth = ask(client, "Que fait Meta de ses modèles ?", filters={"document_ids": [DOC_BEHEMOTH]})
    assert cited_documents(only_behemoth) <= {DOC_BEHEMOTH}
    # The successor question's only answer is in the other article: restricted away, it abstains.
    restricted = ask(client, SUCCESSOR, filters={"document_ids": [DOC_BEHEMOTH]})
    assert restricted["abstained"] is True, restricted
    assert cited_documents(ask(client, SUCCESSOR, filters={"document_ids": [DOC_AVOCADO]})) == {DOC_AVOCADO}
    search = client.post(
        "/search", json={"query": "Meta", "top_k": 50, "filters": {"document_ids": [DOC_AVOCADO]}}
    )
    assert search.status_code == 200
    assert {r["document_id"] for r in search.json()["results"]} == {DOC_AVOCADO}


def test_unknown_document_id_filter_abstains_and_finds_nothing(client: httpx.Client) -> None:
    """An id that is not in the index is not an error (ids come and go): nothing matches."""
    answer = ask(client, SUCCESSOR, filters={"document_ids": ["inconnu_0000"]})
    assert answer["abstained"] is True
    search = client.post("/search", json={"query": "Avocado", "filters": {"document_ids": ["inconnu_0000"]}})
    assert search.status_code == 200 and search.json() == {"results": []}


def _search_documents(client: httpx.Client, filters: dict[str, Any]) -> set[str]:
    response = client.post("/search", json={"query": "Meta open source", "top_k": 50, "filters": filters})
    assert response.status_code == 200, response.text
    return {r["document_id"] for r in response.json()["results"]}


def test_date_filters_keep_dated_documents_in_range_and_exclude_undated_ones(client: httpx.Client) -> None:
    """Doc 000 is dated 2025-12-11, doc 004 has no date. A date filter asks for documents known
    to be in the range, so an undated document never matches one (the store's documented
    behaviour); bounds are inclusive days."""
    assert _search_documents(client, {}) == {DOC_AVOCADO, DOC_BEHEMOTH}
    assert _search_documents(client, {"date_from": "2025-12-11"}) == {DOC_AVOCADO}
    assert _search_documents(client, {"date_to": "2025-12-11"}) == {DOC_AVOCADO}
    assert _search_documents(client, {"date_from": "2025-12-11", "date_to": "2025-12-11"}) == {DOC_AVOCADO}
    assert _search_documents(client, {"date_from": "2000-01-01", "date_to": "2100-01-01"}) == {DOC_AVOCADO}
    assert _search_documents(client, {"date_from": "2025-12-12"}) == set()
    assert _search_documents(client, {"date_to": "2025-12-10"}) == set()

    dated = ask(client, SUCCESSOR, filters={"date_from": "2025-12-01", "date_to": "2025-12-31"})
    assert cited_documents(dated) == {DOC_AVOCADO}
    assert ask(client, BEHEMOTH, filters={"date_from": "2025-01-01"})["abstained"] is True
    assert ask(client, SUCCESSOR, filters={"date_to": "2025-12-10"})["abstained"] is True


# --- streaming ------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [BEHEMOTH, SUCCESSOR, "Quelle est la capitale de l'Australie ?"])
def test_stream_reassembles_into_the_same_answer(client: httpx.Client, question: str) -> None:
    plain = ask(client, question)
    with client.stream("POST", "/ask/stream", json={"question": question}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.read().decode())
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"], names
    assert set(names[:-2]) <= {"sentence"}
    sentences = [data for name, data in events if name == "sentence"]
    citations = next(data for name, data in events if name == "citations")["citations"]
    done = events[-1][1]

    assert sentences == plain["sentences"] == done["sentences"]
    assert citations == plain["citations"] == done["citations"]
    reassembled = " ".join(f"{s['text']} " + "".join(f"[{n}]" for n in s["citations"]) for s in sentences)
    assert (reassembled or done["answer"]) == plain["answer"] == done["answer"]
    assert done["abstained"] == plain["abstained"]


def test_stream_errors_are_http_statuses_not_broken_streams(client: httpx.Client) -> None:
    response = client.post("/ask/stream", json={"question": "   "})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")


# --- follow-ups ----------------------------------------------------------------------------------


def test_follow_up_is_resolved_against_history(client: httpx.Client) -> None:
    first = ask(client, SUCCESSOR)
    history = [{"role": "user", "content": SUCCESSOR}, {"role": "assistant", "content": first["answer"]}]
    follow = ask(client, "Et quand doit-il sortir ?", history=history)
    assert follow["standalone_question"], follow
    assert follow["standalone_question"] != "Et quand doit-il sortir ?"
    assert not follow["abstained"], follow
    assert "2026" in follow["answer"] or "premier trimestre" in follow["answer"]
    assert cited_documents(follow) == {DOC_AVOCADO}

    events = parse_sse(
        client.post("/ask/stream", json={"question": "Et quand doit-il sortir ?", "history": history}).text
    )
    assert events[0] == ("standalone", {"question": follow["standalone_question"]})
    assert events[-1][1]["sentences"] == follow["sentences"]


def test_standalone_question_is_not_rewritten(client: httpx.Client) -> None:
    history = [{"role": "user", "content": "Bonjour"}, {"role": "assistant", "content": "Bonjour !"}]
    answer = ask(client, "Pourquoi Meta a suspendu la sortie du modèle Behemoth ?", history=history)
    assert answer["standalone_question"] is None
    assert cited_documents(answer) == {DOC_BEHEMOTH}


# --- search, documents, health ---------------------------------------------------------------


def test_search_is_ranked_and_located(client: httpx.Client, checker: Checker) -> None:
    for mode in ("hybrid", "dense", "sparse"):
        response = client.post("/search", json={"query": "Behemoth mis en pause", "top_k": 5, "mode": mode})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert 1 <= len(results) <= 5
        assert results[0]["document_id"] == DOC_BEHEMOTH, (mode, results[0])
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True), (mode, scores)
        assert len({r["chunk_id"] for r in results}) == len(results)
        for result in results:
            text = checker.document_text(client, result["document_id"])
            assert text[result["start"] : result["end"]] == result["text"], result


def test_documents_list_and_detail(client: httpx.Client) -> None:
    listing = client.get("/documents")
    assert listing.status_code == 200
    documents = {d["id"]: d for d in listing.json()["documents"]}
    assert set(documents) == {DOC_AVOCADO, DOC_BEHEMOTH}
    assert documents[DOC_AVOCADO]["date"] == "2025-12-11"
    assert documents[DOC_BEHEMOTH]["date"] is None
    for document_id, summary in documents.items():
        assert summary["chunks"] >= 1 and summary["title"] and summary["source"]
        detail = client.get(f"/documents/{document_id}").json()
        assert {k: detail[k] for k in ("id", "title", "date", "source")} == {
            k: summary[k] for k in ("id", "title", "date", "source")
        }
        assert len(detail["text"]) > 1000
    assert (
        "Avocado est le nom de code du successeur de Llama"
        in client.get(f"/documents/{DOC_AVOCADO}").json()["text"]
    )


def test_unknown_document_is_404(client: httpx.Client) -> None:
    response = client.get("/documents/000_inexistant")
    assert response.status_code == 404
    assert "000_inexistant" in response.json()["detail"]


def test_health_ready_and_openapi(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["store"] == "edge"
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/ask", "/ask/stream", "/search", "/documents", "/health", "/ready"} <= set(paths)
    assert client.get("/health").headers.get("x-request-id")


def test_concurrent_questions_get_the_same_answers(client: httpx.Client) -> None:
    """The thread pool, the store and the sentence-vector cache under parallel requests."""
    questions = [SUCCESSOR, BEHEMOTH, "Qui dirige le TBD Lab ?", "Quelle est la capitale de l'Australie ?"]
    expected = {q: ask(client, q)["sentences"] for q in questions}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: (q, ask(client, q)["sentences"]), questions * 3))
    for question, sentences in results:
        assert sentences == expected[question], question


def test_every_answer_was_checked(client: httpx.Client, checker: Checker) -> None:
    """The hook really runs: this module's answers went through the invariant check."""
    ask(client, SUCCESSOR)
    assert checker.answers_checked >= 1 and checker.citations_checked >= 1
