"""The Gradio chat's two entry points: mounted in the API server, or on its own.

Both build the same page (:mod:`ui.layout`) with the same Gradio configuration
(:func:`ui.gradio_options.gradio_options`): offline (analytics off, local fonts and assets, no
share links), French, and the same upload limit.
"""

from __future__ import annotations

from pathlib import Path

from sourcier.runtime import configure_runtime

configure_runtime()  # before Gradio is imported: it reads GRADIO_ANALYTICS_ENABLED at import

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.responses import FileResponse, RedirectResponse  # noqa: E402

from server.engine.service import Sourcier  # noqa: E402
from sourcier.config import Settings  # noqa: E402
from ui.gradio_options import gradio_options, upload_body_limits  # noqa: E402
from ui.layout import build_demo  # noqa: E402

MOUNT_PATH = "/ui"


def body_limits(settings: Settings) -> dict[str, int]:
    """The request body limits the mounted chat's routes need from the API's body-size guard
    (its file upload is larger than any JSON request)."""
    return upload_body_limits(settings, MOUNT_PATH)


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Serve the chat at ``/ui`` of the API app, using the service its lifespan creates."""
    demo = build_demo(lambda: getattr(app.state, "service", None))
    options = gradio_options(settings)
    # Gradio serves a mounted app's favicon and manifest only below its path, but browsers ask
    # the origin's /favicon.ico (Gradio's page links none) and its page links /manifest.json:
    # answer both at the root, or every page load logs two 404s.
    favicon = Path(options.pop("favicon_path"))
    app.add_api_route("/favicon.ico", lambda: FileResponse(favicon), include_in_schema=False)
    manifest = f"{MOUNT_PATH}/manifest.json"
    app.add_api_route("/manifest.json", lambda: RedirectResponse(manifest), include_in_schema=False)
    gr.mount_gradio_app(app, demo, path=MOUNT_PATH, **options)


def launch(settings: Settings, host: str, port: int) -> None:
    """Run the chat on its own (``sourcier ui``), without the HTTP API."""
    service = Sourcier.from_settings(settings)
    try:
        build_demo(lambda: service).queue(default_concurrency_limit=1).launch(
            server_name=host, server_port=port, share=False, **gradio_options(settings)
        )
    finally:
        service.close()
