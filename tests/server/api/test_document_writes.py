"""``POST /documents``, ``/reindex`` and ``DELETE`` through the real app in-process (``create_app``
over a real service, Starlette's ``TestClient``): every reason a file is refused comes back with
its status chosen by code and a French detail naming the file, and the admin routes work the same
on both store engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.api.app import create_app
from server.engine.service import Sourcier
from sourcier.store import open_store
from tests.ingest.sample_files import make_scanned_pdf
from tests.support.http_checks import Checker, checked_client
from tests.support.index import make_settings

ENGINES = {"edge": {}, "qdrant-client": {"qdrant_url": ":memory:"}}
MAX_FILE_BYTES = 40_000
NOTE = (
    "# Le verger de la rue Lepic\n\n"
    "Le verger partagé de la rue Lepic compte quarante-deux pommiers plantés en 2021.\n"
)


def api(settings_overrides: dict[str, Any], embedder: Any, data_dir: Path) -> Iterator[httpx.Client]:
    settings = make_settings(
        data_dir, warm_up_sentences=0, max_file_bytes=MAX_FILE_BYTES, **settings_overrides
    )
    service = Sourcier(settings, open_store(settings), embedder)
    try:
        with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as client:
            yield checked_client(str(client.base_url), Checker(), client=client)
    finally:
        service.close()


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine_client(
    request: pytest.FixtureRequest, embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    yield from api(ENGINES[request.param], embedder, tmp_path_factory.mktemp(f"writes-{request.param}"))


@pytest.fixture(scope="module")
def client(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    yield from api({}, embedder, tmp_path_factory.mktemp("refusals"))


def _scanned(tmp: Path) -> bytes:
    return make_scanned_pdf(tmp / "scan.pdf").read_bytes()


#: (file name, its bytes, the expected status, code and words of the French detail).
REFUSED: list[tuple[str, Callable[[Path], bytes], int, str, str]] = [
    (
        "notes.odt",
        lambda _: b"PK\x03\x04",
        415,
        "unsupported_file",
        "type de fichier .odt non pris en charge",
    ),
    ("gros.txt", lambda _: b"mot " * 12_000, 413, "file_too_large", "fichier trop volumineux (48 000 octets"),
    ("vide.txt", lambda _: b"  \n", 422, "empty_file", "fichier vide"),
    ("image.txt", lambda _: b"\x89PNG\r\n\x00\x00IHDR", 422, "binary_file", "fichier binaire"),
    ("latin1.txt", lambda _: "Été à Noël".encode("latin-1"), 422, "not_utf8", "pas en UTF-8 valide"),
    ("logo.md", lambda _: b"![logo](logo.png)\n", 422, "no_text", "aucun texte d'article"),
    ("faux.pdf", lambda _: b"pas un PDF", 422, "wrong_content", "ce n'est pas un fichier .pdf"),
    ("scan.pdf", _scanned, 422, "pdf_no_text_layer", "PDF sans couche texte"),
    ("casse.pdf", lambda _: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", 422, "pdf_unreadable", "PDF illisible"),
    ("abime.docx", lambda _: b"PK\x03\x04" + bytes(64), 422, "docx_unreadable", "document Word illisible"),
    ("...", lambda _: b"texte", 422, "invalid_file_name", "n'a pas de nom utilisable"),
]


@pytest.mark.parametrize(("name", "content", "status", "code", "words"), REFUSED, ids=[r[3] for r in REFUSED])
def test_a_refused_upload_answers_its_code_and_a_french_detail_naming_the_file(
    client: httpx.Client,
    tmp_path: Path,
    name: str,
    content: Callable[[Path], bytes],
    status: int,
    code: str,
    words: str,
) -> None:
    before = client.get("/documents").json()["documents"]
    response = client.post("/documents", files={"file": (name, content(tmp_path))})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["detail"].startswith(f"{name} : ") and words in body["detail"], body
    assert client.get("/documents").json()["documents"] == before  # nothing was added


def test_an_invalid_document_id_is_refused_by_code(client: httpx.Client) -> None:
    response = client.post(
        "/documents", files={"file": ("a.txt", NOTE.encode())}, data={"document_id": "../a"}
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_document_id", response.text
    assert "identifiant de document « ../a » invalide" in response.json()["detail"]


def test_upload_reindex_and_delete_on_each_engine(engine_client: httpx.Client, tmp_path: Path) -> None:
    client = engine_client
    added = client.post("/documents", files={"file": ("verger.md", NOTE.encode())})
    assert added.status_code == 201, added.text
    change = added.json()
    assert change == {
        "document_id": "verger",
        "title": "Le verger de la rue Lepic",
        "chunks": change["chunks"],
        "pages": None,
        "status": "added",
    }
    assert change["chunks"] >= 1
    reindexed = client.post("/documents/verger/reindex")
    assert reindexed.status_code == 200 and reindexed.json() == {**change, "status": "updated"}
    assert client.post("/documents/inconnu/reindex").json()["code"] == "document_not_found"

    deleted = client.delete("/documents/verger")
    assert deleted.status_code == 200 and deleted.json() == {
        "document_id": "verger",
        "chunks_deleted": change["chunks"],
    }
    missing = client.delete("/documents/verger")
    assert missing.status_code == 404 and missing.json()["code"] == "document_not_found"
    assert "verger" not in [d["id"] for d in client.get("/documents").json()["documents"]]


def test_a_document_whose_file_no_longer_loads_is_refused_on_reindex(client: httpx.Client) -> None:
    assert client.post("/documents", files={"file": ("poires.md", NOTE.encode())}).status_code == 201
    source = Path(client.get("/documents/poires").json()["source"])
    source.write_bytes(b"")
    refused = client.post("/documents/poires/reindex")
    assert refused.status_code == 422 and refused.json() == {
        "detail": "poires.md : fichier vide",
        "code": "empty_file",
    }
    source.unlink()
    gone = client.post("/documents/poires/reindex")
    assert gone.status_code == 409 and gone.json()["code"] == "source_missing"
    assert "le fichier source de « poires » a disparu" in gone.json()["detail"]
    assert client.delete("/documents/poires").status_code == 200
