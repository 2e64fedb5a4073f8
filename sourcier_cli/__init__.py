"""The composition root: the ``sourcier`` command, the one place that wires the core, ingestion,
the engine, the HTTP API, the chat and the eval together (nothing below imports it)."""
