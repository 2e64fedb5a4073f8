"""Chunks are whole sentences, sized in tiktoken tokens, overlapping, with exact spans."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from ingest.chunking import chunk_text, tiktoken_counter
from ingest.cleaning import clean_plain_text
from ingest.loaders import load_file
from ingest.pipeline import embedding_text, make_chunks
from sourcier.config import BUNDLED_CORPUS
from sourcier.sentences import sentence_spans
from tests.support.index import make_settings

COUNT = tiktoken_counter("o200k_base")


def test_tiktoken_loads_offline() -> None:
    assert COUNT("Avocado est le nom de code du successeur de Llama.") > 5


@pytest.mark.parametrize("path", sorted(BUNDLED_CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_chunks_are_exact_spans_of_whole_sentences(path: Any, tmp_path: Any) -> None:
    settings = make_settings(tmp_path, chunk_tokens=120, chunk_overlap_tokens=30)
    loaded = load_file(path, path.parent)
    chunks = make_chunks(loaded, settings)
    text = loaded.document.text
    boundaries = {s.start for s in sentence_spans(text)}, {s.end for s in sentence_spans(text)}
    assert len(chunks) >= 3
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.start in boundaries[0] and chunk.end in boundaries[1], "a sentence was cut"
        assert COUNT(chunk.text) <= 120
        assert chunk.document_id == path.stem and chunk.date == loaded.document.date
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    for sentence in sentence_spans(text):
        assert set(range(sentence.start, sentence.end)) <= covered, "a sentence is in no chunk"


def test_consecutive_chunks_of_a_section_overlap() -> None:
    """The last sentence of a chunk is repeated in the next one whenever it fits the overlap budget."""
    clean = clean_plain_text((BUNDLED_CORPUS / "004_7c747817cc0070a0.txt").read_text(encoding="utf-8"))
    chunks = chunk_text(clean, 80, 45, COUNT)
    checked = 0
    for a, b in itertools.pairwise(chunks):
        last = a.sentences[-1]
        if a.heading_path != b.heading_path or COUNT(clean.text[last.start : last.end]) > 45:
            continue
        if COUNT(clean.text[last.start : b.sentences[-1].end]) > 80:
            continue
        assert b.start <= last.start < a.end, "no overlap between neighbouring chunks of a section"
        checked += 1
    assert checked >= 1


def test_chunks_cross_a_heading_only_after_a_short_section_and_carry_their_path() -> None:
    loaded = load_file(BUNDLED_CORPUS / "000_9d4ca8a47585dcb9.txt")
    text = loaded.document.text
    headings = [(h.start, text[h.start : h.end]) for h in loaded.clean.headings]
    assert headings
    chunks = chunk_text(loaded.clean, 180, 40, COUNT)
    assert chunks[0].heading_path == ()
    for chunk in chunks:
        for start, _ in (h for h in headings if chunk.start < h[0] < chunk.end):
            # the text before the heading, within this chunk, is a section under half the budget
            assert COUNT(text[chunk.start : start]) < 90, "a chunk crosses a heading after a long section"
        expected = [h for start, h in headings if start <= chunk.start]
        assert chunk.heading_path == tuple(expected[-1:])
    # with no minimum, a chunk never crosses a heading
    for chunk in chunk_text(loaded.clean, 180, 40, COUNT, min_section_tokens=0):
        assert not [h for start, h in headings if chunk.start < start < chunk.end]


def test_short_sections_are_packed_together_not_chunks_of_their_own() -> None:
    """A manual's table of contents and one-line entries (each a 'heading' to the cleaner) make
    chunks of about half the budget at least, not one chunk per line; nothing is lost."""
    entries = "\n\n".join(f"Réglage numéro {i} du papier" for i in range(40))
    body = " ".join(f"Le fichier numéro {i} définit les contextes de gravure par défaut." for i in range(30))
    clean = clean_plain_text(f"Manuel de LilyPond\n\n{entries}\n\nFichiers d'initialisation\n\n{body}")
    assert len(clean.headings) >= 40  # the cleaner sees every entry as a heading
    chunks = chunk_text(clean, 180, 40, COUNT)
    assert len(chunks) <= 8
    assert all(COUNT(clean.text[c.start : c.end]) >= 90 for c in chunks[:-1])
    # each chunk knows the headings packed inside it (never answer sentences)
    heading_texts = [clean.text[h.start : h.end] for h in clean.headings]
    assert [h for c in chunks for h in c.headings if h not in clean.text[c.start : c.end]] == []
    assert {h for c in chunks for h in c.headings} == set(heading_texts)
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    assert all(set(range(s.start, s.end)) <= covered for s in sentence_spans(clean.text))
    assert len(chunk_text(clean, 180, 40, COUNT, min_section_tokens=0)) > 40  # as it was


def test_a_sentence_longer_than_the_budget_is_cut_at_words() -> None:
    long_sentence = "Meta " + " ".join(f"investit{i}" for i in range(200)) + "."
    clean = clean_plain_text(long_sentence)
    chunks = chunk_text(clean, 50, 10, COUNT)
    assert len(chunks) > 2
    assert all(COUNT(clean.text[c.start : c.end]) <= 50 for c in chunks)
    assert all(clean.text[c.start : c.end].split()[0] in clean.text.split() for c in chunks)


def test_overlap_must_be_smaller_than_the_chunk() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_text(clean_plain_text("Une phrase."), 20, 20, COUNT)


def test_chunks_fit_the_embedding_model(embedder: Any, tmp_path: Any) -> None:
    """The default chunk size (tiktoken tokens) stays under the model's own token limit."""
    settings = make_settings(tmp_path)
    for path in BUNDLED_CORPUS.glob("*.txt"):
        for chunk in make_chunks(load_file(path), settings):
            assert embedder.count_tokens(embedding_text(chunk)) <= embedder.max_tokens
