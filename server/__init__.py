"""The question-answering service: retrieval, grounded answers, citations, HTTP API."""
