"""The French lexical encoder: analysis, BM25 weights, stable term ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sourcier.lexical import STOP_WORDS, LexicalEncoder, term_id


@pytest.fixture(scope="module")
def enc() -> LexicalEncoder:
    return LexicalEncoder()


@pytest.mark.parametrize("elided", ["l'intelligence", "l’intelligence", "L'Intelligence"])
def test_elisions_share_the_term(enc: LexicalEncoder, elided: str) -> None:
    assert enc.terms(elided) == enc.terms("intelligence")
    assert len(enc.terms(elided)) == 1


@pytest.mark.parametrize(
    ("text", "expected_terms"),
    [
        ("d'abord", 1),
        ("qu'il", 0),
        ("jusqu'à", 0),
        ("lorsqu'elle", 0),
        ("puisqu'on", 0),
        ("n'importe", 1),
        ("s'adapter", 1),
        ("c'est", 0),
        ("m'appelle", 1),
        ("t'aide", 1),
        ("j'écris", 1),
    ],
)
def test_all_elisions_split(enc: LexicalEncoder, text: str, expected_terms: int) -> None:
    terms = enc.terms(text)
    assert len(terms) == expected_terms
    bare = text.split("'", 1)[1]
    assert terms == enc.terms(bare)


def test_inner_apostrophe_word_stays_whole(enc: LexicalEncoder) -> None:
    assert enc.terms("aujourd'hui") == enc.terms("aujourd’hui")
    assert len(enc.terms("aujourd'hui")) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("développeurs", "développeur"),
        ("développeurs", "developpeur"),
        ("stratégie", "strategie"),
        ("Stratégies", "stratégie"),
        ("entreprises", "entreprise"),
        ("cœur", "coeur"),
        ("ÉNERGIE", "énergie"),
    ],
)
def test_stemming_and_accents(enc: LexicalEncoder, a: str, b: str) -> None:
    assert enc.terms(a) == enc.terms(b)
    assert len(enc.terms(a)) == 1


def test_terms_are_accent_free(enc: LexicalEncoder) -> None:
    terms = enc.terms("Les développeurs étudièrent la sécurité des données à Noël")
    assert all(t.isascii() for t in terms), terms


def test_stop_words_removed(enc: LexicalEncoder) -> None:
    assert enc.terms("le la les des du de un une et ou à dans pour est sont été avait") == []
    assert enc.terms("etait ou a") == []  # typed without accents
    assert enc.terms("Il ne veut pas") == enc.terms("veut")
    assert {"ne", "pas"} <= STOP_WORDS


def test_numbers_kept(enc: LexicalEncoder) -> None:
    terms = enc.terms("En 2025, 180 entreprises ; 3,5 %")
    assert "2025" in terms and "180" in terms and "3" in terms and "5" in terms


def test_document_weights_are_bm25_tf(enc: LexicalEncoder) -> None:
    vec = enc.encode_document("stratégie stratégie numérique")
    assert vec.indices == sorted(set(vec.indices))
    weights = dict(zip(vec.indices, vec.values, strict=True))
    n = 3
    norm = 1.2 * (1 - 0.75 + 0.75 * n / 60)
    assert weights[term_id("strateg")] == pytest.approx(2 * 2.2 / (2 + norm))
    (num_id,) = set(vec.indices) - {term_id("strateg")}
    assert weights[num_id] == pytest.approx(1 * 2.2 / (1 + norm))


def test_avg_len_parameter_changes_weights() -> None:
    text = "stratégie numérique souveraine"
    short = LexicalEncoder(avg_len=3).encode_document(text)
    long_ = LexicalEncoder(avg_len=300).encode_document(text)
    assert short.indices == long_.indices
    assert all(s < lg for s, lg in zip(short.values, long_.values, strict=True))


def test_query_weights(enc: LexicalEncoder) -> None:
    vec = enc.encode_query("Quelle stratégie ? La stratégie numérique !")
    assert vec.indices == sorted(set(vec.indices))
    assert len(vec.indices) == 2
    assert vec.values == [1.0, 1.0]


def test_empty_text(enc: LexicalEncoder) -> None:
    assert enc.encode_document("").indices == []
    assert enc.encode_query("le la les").indices == []


def test_ids_are_31_bit_and_deterministic_across_processes(enc: LexicalEncoder) -> None:
    text = "L'intelligence artificielle et les développeurs en 2025"
    here = enc.encode_document(text)
    assert all(0 <= i < 2**31 for i in here.indices)
    code = (
        "import json; from sourcier.lexical import LexicalEncoder; "
        f"v = LexicalEncoder().encode_document({text!r}); print(json.dumps([v.indices, v.values]))"
    )
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=60
        )
        indices, values = json.loads(out.stdout)
        assert indices == here.indices
        assert values == pytest.approx(here.values)
