"""Ingestion: read French articles, clean them, chunk them, embed them, upsert them into Qdrant."""
