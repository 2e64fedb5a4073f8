"""Sourcier: French question answering that cites every sentence of its answers."""

__version__ = "0.1.0"
