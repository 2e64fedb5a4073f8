"""Vector store access: one interface (:class:`VectorStore`), two Qdrant engines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sourcier.store.base import (
    DENSE,
    LEXICAL,
    DocumentRecord,
    SearchMode,
    StoreError,
    StoreLockedError,
    VectorStore,
)

if TYPE_CHECKING:
    from sourcier.config import Settings


def open_store(settings: Settings) -> VectorStore:
    """The store the settings describe.

    - no ``qdrant_url``: the embedded Qdrant Edge index at ``settings.edge_path``;
    - ``":memory:"``: qdrant-client's in-process mode, in memory;
    - ``"path:/some/dir"``: qdrant-client's in-process mode on disk;
    - anything else: a Qdrant server URL (``api_key``/``timeout`` from the settings).

    Engines are imported here, lazily, so importing :mod:`sourcier.store` stays cheap.
    """
    if settings.store_mode == "edge":
        from sourcier.store.edge import EdgeStore

        return EdgeStore(settings.edge_path, settings.collection)
    from sourcier.store.qdrant import QdrantStore

    url = settings.qdrant_url or ""
    if url == ":memory:":
        return QdrantStore.from_memory(settings.collection)
    if url.startswith("path:"):
        return QdrantStore.from_path(url.removeprefix("path:"), settings.collection)
    api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return QdrantStore.from_url(url, api_key, settings.qdrant_timeout_s, settings.collection)


__all__ = [
    "DENSE",
    "LEXICAL",
    "DocumentRecord",
    "SearchMode",
    "StoreError",
    "StoreLockedError",
    "VectorStore",
    "open_store",
]
