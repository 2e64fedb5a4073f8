"""The UI's glue without a browser: form filters, building before the service exists, the API key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.index import make_settings
from ui.handlers import make_filters
from ui.layout import build_demo


def test_empty_filters_mean_the_whole_corpus() -> None:
    assert make_filters(None, "", "  ") is None
    assert make_filters([], None, None) is None


def test_filters_from_the_form() -> None:
    filters = make_filters(["a", "b"], "2025-01-01", "2025-12-31")
    assert filters is not None
    assert filters.document_ids == ("a", "b")
    assert (filters.date_from, filters.date_to) == ("2025-01-01", "2025-12-31")


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2025-13-01", "", "Date « 2025-13-01 » invalide pour « du »"),
        ("", "31/12/2025", "utilisez le format AAAA-MM-JJ"),
        ("2025-12-31", "2025-01-01", "La date de début est postérieure à la date de fin."),
    ],
)
def test_invalid_filters_explained_in_french(date_from: str, date_to: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_filters(None, date_from, date_to)


def test_demo_builds_before_the_service_exists() -> None:
    # mounted in `sourcier serve`, the UI is built before the lifespan has loaded the service
    demo = build_demo(lambda: None)
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"sourcier-chat", "sourcier-question", "sourcier-sources", "sourcier-document"} <= ids


def test_the_chat_asks_for_the_api_key_when_one_is_set(tmp_path: Path) -> None:
    # the UI calls the service directly: without this, /ui would bypass SOURCIER_API_KEY
    from fastapi.testclient import TestClient

    from sourcier_cli.serving import build_app

    client = TestClient(build_app(make_settings(tmp_path, api_key="s3cret")))  # no lifespan: no model
    assert client.get("/ui/config").status_code == 401
    assert client.post("/ui/login", data={"username": "x", "password": "wrong"}).status_code == 400
    assert client.post("/ui/login", data={"username": "x", "password": "s3cret"}).status_code == 200
    assert client.get("/ui/config").status_code == 200


def test_the_chat_is_open_without_an_api_key(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sourcier_cli.serving import build_app

    client = TestClient(build_app(make_settings(tmp_path)))
    assert client.get("/ui/config").status_code == 200


def test_mounted_and_stand_alone_chat_share_one_configuration(tmp_path: Path) -> None:
    from ui.gradio_options import gradio_options

    settings = make_settings(tmp_path, max_file_bytes=12_345, max_body_bytes=1_000)
    options = gradio_options(settings)
    assert options["max_file_size"] == 12_345  # what ingestion accepts, not the JSON body limit
    assert options["footer_links"] == ["settings"] and options["run_history"] is False
    strings = options["i18n"].translations_dict
    for locale in ("en", "fr", "de", "zh-CN"):  # whatever the browser's language
        assert strings[locale]["upload_text.drop_file"] == "Déposez le fichier ici"
        assert strings[locale]["common.settings"] == "Paramètres"


def test_the_mounted_chat_serves_french_strings_a_favicon_and_takes_files_up_to_the_file_limit(
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from sourcier_cli.serving import build_app

    settings = make_settings(tmp_path, max_file_bytes=20_000, max_body_bytes=2_000)
    client = TestClient(build_app(settings))  # no lifespan: no model
    config = client.get("/ui/config").json()
    assert (
        config["i18n_translations"]["en"]["upload_text.click_to_upload"] == "Cliquez pour choisir un fichier"
    )

    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.content.startswith(b"\x89PNG")
    assert client.get("/manifest.json").json()["name"] == "Sourcier"  # Gradio's page links it at the root

    def upload(size: int) -> int:
        files = {"files": ("notes.txt", b"a" * size, "text/plain")}
        return client.post("/ui/gradio_api/upload", files=files).status_code

    assert upload(10_000) == 200  # over the JSON body limit, under the file limit
    assert upload(30_000) == 413  # over the file limit
    assert client.post("/ask", content=b"{" + b" " * 3_000 + b"}").status_code == 413  # JSON stays small


def test_french_is_registered_for_every_language_gradio_ships() -> None:
    """A Gradio upgrade that adds a language must add it here, or those browsers see its strings."""
    import re
    from importlib.resources import files

    from ui.gradio_options import GRADIO_LOCALES

    assets = Path(str(files("gradio") / "templates" / "frontend" / "assets"))
    shipped = {
        m
        for core in assets.glob("core-*.js")
        for m in re.findall(r"\./lang/([\w-]+)\.json", core.read_text())
    }
    assert shipped == set(GRADIO_LOCALES)


def test_the_settings_panel_strings_put_in_french_are_gradios_own(tmp_path: Path) -> None:
    """Each English literal the page script translates is in Gradio's settings panel as shipped
    (a Gradio upgrade that rewords one fails here, before the browser test), and the script the
    chat is configured with carries every translation."""
    import json
    import re
    from importlib.resources import files

    from ui.gradio_options import SETTINGS_FRENCH, gradio_options

    assets = Path(str(files("gradio") / "templates" / "frontend" / "assets"))
    panel = " ".join(p.read_text(encoding="utf-8") for p in assets.glob("Settings-*.js"))
    shipped = re.sub(r"\s+", " ", panel.replace("&nbsp;", " "))
    assert [english for english in SETTINGS_FRENCH if english not in shipped] == []
    script = gradio_options(make_settings(tmp_path))["js"]
    assert json.dumps(SETTINGS_FRENCH, ensure_ascii=False) in script and "__FRENCH__" not in script
