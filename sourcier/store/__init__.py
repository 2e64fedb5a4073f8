"""Vector store access: one interface (:class:`VectorStore`), two Qdrant engines."""

from sourcier.store.base import (
    DENSE,
    LEXICAL,
    DocumentRecord,
    SearchMode,
    StoreError,
    StoreLockedError,
    VectorStore,
)

__all__ = [
    "DENSE",
    "LEXICAL",
    "DocumentRecord",
    "SearchMode",
    "StoreError",
    "StoreLockedError",
    "VectorStore",
]
