"""The one Gradio configuration of the chat, shared by ``sourcier serve`` (mounted at ``/ui``)
and ``sourcier ui`` (stand-alone), so both look, speak and limit uploads the same way.

Gradio's own strings (the upload area's "Drop File Here", the footer's "Settings", …) follow
the browser's language through Gradio's i18n, and nothing on the server can pick the locale.
The chat is French whatever the browser says, so Gradio's French catalogue is registered as the
custom translations of every language Gradio ships (custom translations win over its own),
English included, which is also the fallback for languages it does not know. The French is
Gradio 6.31's own ``fr`` catalogue (``gradio_fr.json``, flattened), with :data:`WORDING` on
top where its wording misleads (« télécharger » reads as *download* in France).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Literal, NotRequired, TypedDict

import gradio as gr

from sourcier.config import Settings

ASSETS = Path(str(files("ui") / "assets"))
FAVICON = ASSETS / "favicon.png"
STYLESHEET = ASSETS / "sourcier.css"
#: Multipart framing around an uploaded file (boundaries, headers), on top of the file's bytes.
MULTIPART_SLACK_BYTES = 64 * 1024
AUTH_MESSAGE = "Identifiant libre ; mot de passe : la clé d'API du serveur (SOURCIER_API_KEY)."

#: The languages Gradio 6.31's frontend has catalogues for (its ``lang/*.json``).
GRADIO_LOCALES = (
    "ar", "ca", "ckb", "de", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "id", "ja", "ko", "lt",
    "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sv", "ta", "th", "tr", "uk", "ur", "uz", "zh-CN", "zh-TW",
)  # fmt: skip
#: Sourcier's wording where Gradio's French catalogue says something else.
WORDING = {
    "upload_text.click_to_upload": "Cliquez pour choisir un fichier",
    "upload_text.drop_file": "Déposez le fichier ici",
    "file.uploading": "Envoi…",
    "blocks.waiting_for_inputs": "Envoi du fichier en cours : réessayez dans un instant.",
}

THEME = gr.themes.Default(
    primary_hue="indigo",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


#: The sections of Gradio's catalogue the chat's components can show (the page, its footer and
#: settings, the login page, toasts and status): the catalogue is sent once per language, so the
#: sections for components the chat does not use (audio, image, dataframe, …) are left out.
SECTIONS = ("blocks", "chatbot", "common", "dropdown", "errors", "file", "login", "upload_text")


def french_strings() -> dict[str, str]:
    """Gradio's own interface strings in French, keyed as its frontend looks them up."""
    catalogue: dict[str, str] = json.loads((files("ui") / "gradio_fr.json").read_text(encoding="utf-8"))
    return {k: v for k, v in catalogue.items() if k.split(".")[0] in SECTIONS} | WORDING


def french_i18n() -> gr.I18n:
    strings = french_strings()
    return gr.I18n(**dict.fromkeys(GRADIO_LOCALES, strings))


def upload_limit(settings: Settings) -> int:
    """Files the chat accepts are those ingestion accepts (``SOURCIER_MAX_FILE_BYTES``)."""
    return settings.max_file_bytes


def upload_body_limits(settings: Settings, mount_path: str) -> dict[str, int]:
    """The request body limit the chat's upload route needs behind the API's body-size guard."""
    return {f"{mount_path}/gradio_api/upload": upload_limit(settings) + MULTIPART_SLACK_BYTES}


def _auth(settings: Settings) -> Callable[[str, str], bool] | None:
    """With ``SOURCIER_API_KEY`` set, the chat asks for it too: the UI must not bypass the API's key."""
    if settings.api_key is None:
        return None
    expected = settings.api_key.get_secret_value().encode()

    def check(_user: str, password: str) -> bool:
        return secrets.compare_digest(password.encode(), expected)

    return check


class GradioOptions(TypedDict):
    """The keyword arguments ``gr.mount_gradio_app`` and ``Blocks.launch`` both take."""

    theme: gr.themes.Base
    css_paths: list[Path]
    i18n: gr.I18n
    favicon_path: NotRequired[str]  # a mounted chat serves it from the parent app instead
    auth: Callable[[str, str], bool] | None
    auth_message: str
    max_file_size: int
    footer_links: list[Literal["api", "gradio", "settings", "runs"]]
    run_history: bool
    enable_monitoring: bool
    show_error: bool


def gradio_options(settings: Settings) -> GradioOptions:
    """Everything offline and private: no share link, no run history kept in the browser, no
    monitoring page; the footer keeps only the settings (language, theme)."""
    return GradioOptions(
        theme=THEME,
        css_paths=[STYLESHEET],
        i18n=french_i18n(),
        favicon_path=str(FAVICON),
        auth=_auth(settings),
        auth_message=AUTH_MESSAGE,
        max_file_size=upload_limit(settings),
        footer_links=["settings"],
        run_history=False,
        enable_monitoring=False,
        show_error=True,
    )
