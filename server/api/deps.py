"""FastAPI dependencies: how a request reaches the settings and the service.

The service is built once in the app's lifespan and kept on ``app.state``; nothing is
created at import time.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.engine.service import Sourcier
from sourcier.config import Settings

_bearer = HTTPBearer(auto_error=False)
#: Why there is no service yet, before start-up has said otherwise.
STARTING = "le service démarre (chargement du modèle et de l'index)"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_service(request: Request) -> Sourcier:
    service: Sourcier | None = getattr(request.app.state, "service", None)
    if service is None:
        reason = getattr(request.app.state, "startup_error", None) or STARTING
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"Service indisponible : {reason}")
    return service


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[Sourcier, Depends(get_service)]


def require_api_key(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """When ``SOURCIER_API_KEY`` is set, demand ``Authorization: Bearer <key>`` (constant time)."""
    if settings.api_key is None:
        return
    expected = settings.api_key.get_secret_value().encode()
    given = (credentials.credentials if credentials else "").encode()
    if not secrets.compare_digest(given, expected):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Clé d'API absente ou incorrecte : envoyez l'en-tête « Authorization: Bearer <clé> ».",
            headers={"WWW-Authenticate": "Bearer"},
        )


ApiKeyDep = Depends(require_api_key)
