"""Document management over real HTTP on a real ``sourcier serve``: upload PDF and Word files,
cite PDF pages, list with chunk counts and ingest dates, re-index, delete (gone after a restart)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sourcier.config import Settings
from tests.ingest.sample_files import make_docx, make_pdf
from tests.support.http_checks import ApiServer, Checker, checked_client
from tests.support.index import copy_index
from tests.support.processes import child_env

PDF_QUESTION = "Combien d'euros la Commission européenne a-t-elle consacré à l'étude des pollinisateurs ?"

pytestmark = pytest.mark.slow  # real `sourcier serve` processes


def start(settings: Settings, log: Path) -> ApiServer:
    server = ApiServer(settings, child_env(settings), log, ["--no-ui"])
    server.wait_ready()
    return server


@pytest.fixture(scope="module")
def admin_index(corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_index(corpus_index, tmp_path_factory.mktemp("admin-index"))


@pytest.fixture(scope="module")
def admin(admin_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = start(admin_index, tmp_path_factory.mktemp("admin-logs") / "server.log")
    try:
        with checked_client(server.url, Checker()) as client:
            yield client
    finally:
        server.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads-src")
    return {"pdf": make_pdf(folder / "abeilles.pdf"), "docx": make_docx(folder / "tourbieres.docx")}


def upload(client: httpx.Client, path: Path) -> httpx.Response:
    return client.post("/documents", files={"file": (path.name, path.read_bytes())})


def test_upload_pdf_then_citations_carry_the_page(admin: httpx.Client, files: dict[str, Path]) -> None:
    response = upload(admin, files["pdf"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "document_id": "abeilles",
        "title": "Les abeilles sauvages",
        "chunks": body["chunks"],
        "pages": 3,
        "status": "added",
    }
    assert body["chunks"] >= 1
    answer = admin.post(
        "/ask", json={"question": PDF_QUESTION, "filters": {"document_ids": ["abeilles"]}}
    ).json()
    assert not answer["abstained"], answer
    citation = answer["citations"][0]
    assert "12 millions d'euros" in citation["quote"] and citation["page"] == 2
    detail = admin.get("/documents/abeilles").json()
    assert detail["text"][citation["start"] : citation["end"]] == citation["quote"]
    starts = detail["page_starts"]
    assert len(starts) == 3 and starts[1] <= citation["start"] < starts[2]
    # text documents have no pages
    other = admin.post("/ask", json={"question": "Qui dirige le TBD Lab ?"}).json()
    assert all(c["page"] is None for c in other["citations"])


def test_upload_docx_and_list_with_counts_and_dates(admin: httpx.Client, files: dict[str, Path]) -> None:
    response = upload(admin, files["docx"])
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "added" and response.json()["pages"] is None
    again = upload(admin, files["docx"])
    assert again.status_code == 201 and again.json()["status"] == "unchanged"
    listed = {d["id"]: d for d in admin.get("/documents").json()["documents"]}
    assert {"tourbieres", "000_9d4ca8a47585dcb9", "004_7c747817cc0070a0"} <= set(listed)
    assert listed["tourbieres"]["title"] == "Rapport sur les tourbières"
    assert listed["tourbieres"]["chunks"] == response.json()["chunks"] >= 1
    assert all(d["ingested_at"] and d["ingested_at"].endswith("+00:00") for d in listed.values())


@pytest.mark.parametrize(
    ("name", "content", "status", "code", "words"),
    [
        ("notes.odt", b"PK\x03\x04", 415, "unsupported_file", "type de fichier .odt non pris en charge"),
        ("scan.pdf", None, 422, "pdf_no_text_layer", "sans couche texte"),
        ("faux.pdf", b"pas un PDF", 422, "wrong_content", "ce n'est pas un fichier .pdf"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(
    admin: httpx.Client, tmp_path: Path, name: str, content: bytes | None, status: int, code: str, words: str
) -> None:
    from tests.ingest.sample_files import make_scanned_pdf

    data = make_scanned_pdf(tmp_path / name).read_bytes() if content is None else content
    before = {d["id"] for d in admin.get("/documents").json()["documents"]}
    response = admin.post("/documents", files={"file": (name, data)})
    assert response.status_code == status and response.json()["code"] == code, response.text
    assert response.json()["detail"].startswith(f"{name} : ") and words in response.json()["detail"]
    assert {d["id"] for d in admin.get("/documents").json()["documents"]} == before


def test_reindex_rewrites_one_document(admin: httpx.Client, files: dict[str, Path]) -> None:
    assert upload(admin, files["docx"]).status_code == 201
    before = {d["id"]: d for d in admin.get("/documents").json()["documents"]}["tourbieres"]
    response = admin.post("/documents/tourbieres/reindex")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "updated" and response.json()["chunks"] == before["chunks"]
    after = {d["id"]: d for d in admin.get("/documents").json()["documents"]}["tourbieres"]
    assert after["ingested_at"] >= before["ingested_at"]
    assert admin.post("/documents/inconnu/reindex").status_code == 404


def test_delete_unknown_is_404(admin: httpx.Client) -> None:
    response = admin.delete("/documents/inconnu")
    assert response.status_code == 404 and "inconnu" in response.json()["detail"]


def test_delete_removes_every_chunk(
    admin: httpx.Client, admin_index: Settings, files: dict[str, Path]
) -> None:
    assert upload(admin, files["pdf"]).status_code == 201
    chunks = {d["id"]: d for d in admin.get("/documents").json()["documents"]}["abeilles"]["chunks"]
    response = admin.delete("/documents/abeilles")
    assert response.status_code == 200
    assert response.json() == {"document_id": "abeilles", "chunks_deleted": chunks}
    assert admin.get("/documents/abeilles").status_code == 404
    hits = admin.post("/search", json={"query": "abeilles pollinisateurs Commission européenne", "top_k": 50})
    assert "abeilles" not in {r["document_id"] for r in hits.json()["results"]}
    assert not (admin_index.data_dir / "uploads" / "abeilles.pdf").exists()  # its uploaded file too


def test_deletion_survives_a_restart(corpus_index: Settings, tmp_path: Path) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    gone = "004_7c747817cc0070a0"
    server = start(settings, tmp_path / "first.log")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.delete(f"/documents/{gone}").status_code == 200
    finally:
        server.stop()
    server = start(settings, tmp_path / "second.log")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.get(f"/documents/{gone}").status_code == 404
            assert [d["id"] for d in client.get("/documents").json()["documents"]] == ["000_9d4ca8a47585dcb9"]
            hits = client.post("/search", json={"query": "Yann LeCun open source Meta", "top_k": 50}).json()
            assert hits["results"] and {r["document_id"] for r in hits["results"]} == {"000_9d4ca8a47585dcb9"}
    finally:
        server.stop()
