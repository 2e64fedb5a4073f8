"""The one Gradio configuration of the chat, shared by ``sourcier serve`` (mounted at ``/ui``)
and ``sourcier ui`` (stand-alone), so both look, speak and limit uploads the same way.

Gradio's own strings (the upload area's "Drop File Here", the footer's "Settings", …) follow
the browser's language through Gradio's i18n, and nothing on the server can pick the locale.
The chat is French whatever the browser says, so Gradio's French catalogue is registered as the
custom translations of every language Gradio ships (custom translations win over its own),
English included, which is also the fallback for languages it does not know. The French is
Gradio 6.31's own ``fr`` catalogue (``gradio_fr.json``, flattened), with :data:`WORDING` on
top where its wording misleads (« télécharger » reads as *download* in France) or where it has
no entry (Gradio would fall back to the browser's language for those keys).

Gradio's settings panel (the footer's « Paramètres ») also writes text that never goes through
its i18n: the theme buttons (Light, Dark, System), the Progressive Web App notice, the Screen
Studio section, the language picker's label. Those are literals in its compiled Svelte
(``templates/frontend/assets/Settings-*.js``): no catalogue key, no option, and the panel's
classes are hashed. Patching Gradio's files or hiding whole sections would break on every
upgrade or take features away, so a small script (``assets/settings_fr.js``, run by Gradio at
page load through the ``js`` option) rewrites those exact strings (:data:`SETTINGS_FRENCH`) in
French as the panel appears: only inside ``role=dialog`` elements, only text equal to a known
English string. A Gradio upgrade that changes them shows up in the browser test that opens the
panel (``tests/ui/test_browser.py``), not as silent English.
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
SETTINGS_SCRIPT = ASSETS / "settings_fr.js"
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
    # keys Gradio 6.31's French catalogue lacks
    "chatbot.complete": "Terminé",
    "chatbot.copy_message": "Copier le message",
    "chatbot.copied_message": "Message copié",
    "common.download_all": "Tout télécharger",
    "common.runs": "Exécutions",
    "common.runs_description": "Voir les exécutions gardées dans ce navigateur",
    "common.back_to_app": "Application",
    "common.back_to_app_description": "Revenir à l'application",
    "common.progress": "Progression",
    "common.record": "Enregistrer",
    "common.stop_recording": "Arrêter l'enregistrement",
    "common.screen_studio": "Screen Studio",
    "common.share_gradio_tab": "[Partage] Onglet Gradio",
    "status.queue_position": "En file d'attente : {position} sur {size}",
}
#: The settings panel's English literals (outside Gradio's i18n, whitespace collapsed) in French;
#: a button's leading icon is kept. See the module's docstring.
SETTINGS_FRENCH = {
    "Light": "Clair",
    "Dark": "Sombre",
    "System": "Système",
    "Language": "Langue",
    "Progressive Web App is not enabled for this app. To enable it, start your Gradio app with": (
        "Cette application ne s'installe pas comme application web progressive : il faudrait la lancer avec"
    ),
    "You can install this app as a Progressive Web App on your device. Visit": (
        "Cette application peut s'installer sur votre appareil comme application web progressive : ouvrez"
    ),
    "and click the install button in the URL address bar of your browser.": (
        "et cliquez sur le bouton d'installation dans la barre d'adresse du navigateur."
    ),
    "beta": "bêta",
    "Screen Studio allows you to record your screen and generates a video of your app with "
    "automatically adding zoom in and zoom out effects as well as trimming the video to remove the "
    "prediction time.": (
        "Screen Studio filme votre écran et en tire une vidéo de l'application, avec des zooms "
        "automatiques et sans les temps d'attente des réponses."
    ),
    "Start recording by clicking the": "Lancez l'enregistrement avec le bouton",
    "Start Recording": "Enregistrer",
    "button below and then sharing the current browser tab of your Gradio demo. Use your app as you "
    "would normally to generate a prediction.": (
        "ci-dessous, puis partagez l'onglet du navigateur où l'application est ouverte et "
        "utilisez-la comme d'habitude."
    ),
    "Stop recording by clicking the": "Arrêtez-le avec le bouton",
    "Stop Recording": "Arrêter l'enregistrement",
    "button in the footer of the demo.": "en bas de la page.",
    "Include automatic zoom in/out": "Zooms automatiques",
    "Include automatic video trimming": "Couper automatiquement les temps d'attente",
}

THEME = gr.themes.Default(
    primary_hue="indigo",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


#: The sections of Gradio's catalogue the chat's components can show (the page, its footer and
#: settings, the login page, toasts and status): the catalogue is sent once per language, so the
#: sections for components the chat does not use (audio, image, dataframe, …) are left out.
SECTIONS = ("blocks", "chatbot", "common", "dropdown", "errors", "file", "login", "status", "upload_text")


def french_strings() -> dict[str, str]:
    """Gradio's own interface strings in French, keyed as its frontend looks them up."""
    catalogue: dict[str, str] = json.loads((files("ui") / "gradio_fr.json").read_text(encoding="utf-8"))
    return {k: v for k, v in catalogue.items() if k.split(".")[0] in SECTIONS} | WORDING


def french_i18n() -> gr.I18n:
    strings = french_strings()
    return gr.I18n(**dict.fromkeys(GRADIO_LOCALES, strings))


def settings_script() -> str:
    """The page-load script that puts the settings panel's English literals in French."""
    french = json.dumps(SETTINGS_FRENCH, ensure_ascii=False)
    return SETTINGS_SCRIPT.read_text(encoding="utf-8").replace("__FRENCH__", french)


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
    js: str
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
        js=settings_script(),
        favicon_path=str(FAVICON),
        auth=_auth(settings),
        auth_message=AUTH_MESSAGE,
        max_file_size=upload_limit(settings),
        footer_links=["settings"],
        run_history=False,
        enable_monitoring=False,
        show_error=True,
    )
