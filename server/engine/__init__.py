"""The answering engine: question understanding, retrieval, evidence, decision, composition."""
