"""The served application: the HTTP API with, unless asked not to, the chat mounted at ``/ui``.

Here and not in ``server.api``: the API and the chat are siblings above the engine, and only the
composition root may wire one into the other."""

from __future__ import annotations

from fastapi import FastAPI

from server.api.app import create_app
from sourcier.config import Settings


def build_app(settings: Settings, *, with_ui: bool = True) -> FastAPI:
    if not with_ui:
        return create_app(settings)
    from ui.app import body_limits, mount_ui

    app = create_app(settings, body_limits=body_limits(settings))
    mount_ui(app, settings)
    return app
