"""The int8 ONNX engine against the fp32 torch engine it is exported from: same interface, vectors
and token states close, French rankings unchanged, the export made once and reused, failures
said clearly. Real model, real export (≈ 1 min the first time, then cached beside the model).

Slow tier: a second runtime of an optional backend (≈ 17 s of the fast tier's CPU), checked by
``make test`` and CI, left out of the edit-test loop of the default one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sourcier.config import BUNDLED_CORPUS, E5_SMALL
from sourcier.e5_conversion import E5_FOLDER
from sourcier.embedding import EmbeddingModelError, SentenceTransformerEmbedder, load_embedder
from sourcier.onnx_embedding import OnnxEmbedder
from sourcier.onnx_export import (
    MARKER_FILE,
    MODEL_FILE,
    OnnxExportError,
    ensure_onnx_int8,
    export_lock,
    export_onnx_int8,
    is_current,
    onnx_folder,
)
from tests.sourcier.test_embedding import FRENCH
from tests.support.index import REPO, make_settings

QUESTIONS = [
    "Quelle est la hauteur de la tour Eiffel ?",
    "Comment s’appelle le successeur de Llama ?",
    "Quel est le plus long fleuve de France ?",
    "D’où vient le camembert ?",
    "Qui Meta a-t-il recruté ?",
]
PASSAGES = [
    "La tour Eiffel, construite pour l’Exposition universelle de 1889, mesure environ 330 mètres.",
    "Le projet Avocado serait le successeur propriétaire des modèles Llama de Meta.",
    "La Loire est le plus long fleuve de France, avec plus de 1 000 km de cours.",
    "Le camembert est un fromage normand à pâte molle et à croûte fleurie.",
    "Meta a recruté Alexandr Wang, l’ancien patron de Scale AI.",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def torch_embedder(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEmbedder:
    if isinstance(embedder, SentenceTransformerEmbedder):
        return embedder
    built = load_embedder(make_settings(tmp_path_factory.mktemp("torch"), embedding_backend="torch"))
    assert isinstance(built, SentenceTransformerEmbedder)
    return built


@pytest.fixture(scope="module")
def onnx_embedder(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    if isinstance(embedder, OnnxEmbedder):
        return embedder
    built = load_embedder(make_settings(tmp_path_factory.mktemp("onnx"), embedding_backend="onnx-int8"))
    assert isinstance(built, OnnxEmbedder)
    return built


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float32), b.astype(np.float32)
    return np.asarray((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)))


def test_same_interface_and_shapes(onnx_embedder: OnnxEmbedder) -> None:
    assert (onnx_embedder.dimension, onnx_embedder.max_tokens, onnx_embedder.name) == (384, 512, E5_SMALL)
    vectors = onnx_embedder.embed_passages(FRENCH[:5])
    assert vectors.dtype == np.float32 and vectors.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = onnx_embedder.embed_query("Qui dirige l’IA chez Meta ?")
    assert query.dtype == np.float32 and query.shape == (384,)
    assert onnx_embedder.embed_passages([]).shape == (0, 384)
    assert onnx_embedder.encode([], "query")[1] == []


def test_pooled_vectors_match_torch_on_french(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    passages = _row_cosines(onnx_embedder.embed_passages(FRENCH), torch_embedder.embed_passages(FRENCH))
    queries = _row_cosines(onnx_embedder.embed_queries(QUESTIONS), torch_embedder.embed_queries(QUESTIONS))
    assert passages.min() >= 0.98 and queries.min() >= 0.98, (passages, queries)
    # not the same vectors: int8 changes them a little (else this test could not tell the engines apart)
    assert passages.min() < 0.99999


def test_token_states_align_with_torch(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    """Same pieces, in the same places, with close vectors: the alignment ranker sees the same text."""
    article = sorted(BUNDLED_CORPUS.glob("*.txt"))[0].read_text(encoding="utf-8")
    texts = [*FRENCH, article[:3000]]  # the last one truncated at 512 tokens by both
    onnx_pooled, onnx_states = onnx_embedder.encode(texts, "passage")
    torch_pooled, torch_states = torch_embedder.encode(texts, "passage")
    assert _row_cosines(onnx_pooled, torch_pooled).min() >= 0.98
    np.testing.assert_allclose(onnx_pooled, onnx_embedder.embed_passages(texts), atol=1e-5)
    for mine, theirs in zip(onnx_states, torch_states, strict=True):
        assert mine.pieces == theirs.pieces
        assert mine.vectors.dtype == np.float16 and mine.vectors.shape == theirs.vectors.shape
        cosines = _row_cosines(mine.vectors, theirs.vectors)
        assert cosines.mean() >= 0.95 and cosines.min() >= 0.8, (mine.pieces, cosines)
    _, (query,) = onnx_embedder.encode(["Quand sort-il ?"], "query")
    assert query.pieces[0] == "▁Quand" and "query" not in "".join(query.pieces)


def test_french_rankings_unchanged(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    """Each question's own passage first under both engines, scores within 0.02 (0.011 measured); two passages
    change order only where torch itself nearly tied them (distractors' order is noise)."""
    onnx_scores = onnx_embedder.embed_queries(QUESTIONS) @ onnx_embedder.embed_passages(PASSAGES).T
    torch_scores = torch_embedder.embed_queries(QUESTIONS) @ torch_embedder.embed_passages(PASSAGES).T
    right = list(range(len(QUESTIONS)))
    assert list(np.argmax(onnx_scores, axis=1)) == right == list(np.argmax(torch_scores, axis=1))
    assert np.abs(onnx_scores - torch_scores).max() < 0.02
    for mine, theirs in zip(onnx_scores, torch_scores, strict=True):
        for a in range(len(PASSAGES)):
            for b in range(len(PASSAGES)):
                if (mine[a] > mine[b]) != (theirs[a] > theirs[b]):
                    assert abs(theirs[a] - theirs[b]) < 0.02, (mine, theirs)


def test_a_text_gets_the_same_vector_whatever_comes_with_it(onnx_embedder: OnnxEmbedder) -> None:
    """Dynamic int8 scales activations per tensor: batched with longer texts, a text would get
    another vector. The engine runs texts one by one, so the sentence cache, ingestion and queries
    all see one vector per text."""
    alone = onnx_embedder.embed_passages([FRENCH[3]])
    with_others = onnx_embedder.embed_passages([FRENCH[5] * 8, FRENCH[3], "court"])
    np.testing.assert_array_equal(alone[0], with_others[1])
    _, (states,) = onnx_embedder.encode([FRENCH[3]], "passage")
    _, (_, batched_states) = onnx_embedder.encode([FRENCH[5] * 8, FRENCH[3]], "passage")
    np.testing.assert_array_equal(states.vectors, batched_states.vectors)


def test_token_counts_match_torch(
    onnx_embedder: OnnxEmbedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    for text in [*FRENCH, "mot " * 700]:  # past the limit: counts what truncation would cut
        assert onnx_embedder.count_tokens(text) == torch_embedder.count_tokens(text)


def test_concurrent_encodes_get_their_own_states(onnx_embedder: OnnxEmbedder) -> None:
    texts = [[f"Phrase {i} : {sentence}"] * (1 + i % 3) for i, sentence in enumerate(FRENCH)]
    expected = [onnx_embedder.encode(t, "passage") for t in texts]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: onnx_embedder.encode(t, "passage"), [*texts, ["x"]]))
    for (vectors, states), (want_vectors, want_states) in zip(results, expected, strict=False):
        np.testing.assert_allclose(vectors, want_vectors, atol=1e-4)
        assert [s.pieces for s in states] == [s.pieces for s in want_states]


@pytest.mark.slow  # exports the model to ONNX
def test_export_is_made_once_and_reused(
    onnx_embedder: OnnxEmbedder, model_cache: Path, tmp_path: Path
) -> None:
    """A second load reuses the exported file as it is; a marker from another exporter version
    (or another source) makes it stale."""
    source = model_cache / E5_FOLDER
    folder = onnx_folder(source, model_cache)
    before = (folder / MODEL_FILE).stat()
    again = load_embedder(make_settings(tmp_path, embedding_backend="onnx-int8"))
    assert isinstance(again, OnnxEmbedder)
    after = (folder / MODEL_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert is_current(folder, source)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    marker = json.loads((copy / MARKER_FILE).read_text(encoding="utf-8"))
    assert is_current(copy, source)
    (copy / MARKER_FILE).write_text(json.dumps({**marker, "format_version": -1}), encoding="utf-8")
    assert not is_current(copy, source)
    (copy / MARKER_FILE).write_text(json.dumps({**marker, "source": "/elsewhere"}), encoding="utf-8")
    assert not is_current(copy, source)


def test_a_process_waiting_for_an_export_uses_it_and_exports_nothing(
    onnx_embedder: OnnxEmbedder, model_cache: Path, tmp_path: Path
) -> None:
    """While another process holds the export's lock, ``ensure_onnx_int8`` waits; when that
    process leaves a finished export, it is taken as it is (same file, no second export)."""
    from filelock import FileLock

    source = model_cache / E5_FOLDER
    models = tmp_path / "models"
    target = onnx_folder(source, models)
    models.mkdir()
    other = FileLock(export_lock(target))
    other.acquire()
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(ensure_onnx_int8, source, models)
        time.sleep(1.0)
        assert not waiting.done()  # it waits for the lock instead of starting its own export,
        assert not list(models.glob(f".{target.name}.building-*"))  # whose build folder would be here
        shutil.copytree(onnx_folder(source, model_cache), target)  # the other process's export
        placed = (target / MODEL_FILE).stat().st_ino
        other.release()
        assert waiting.result(timeout=60) == target
    assert (target / MODEL_FILE).stat().st_ino == placed
    assert not list(models.glob(f".{target.name}.building-*"))


def test_failed_export_is_a_clear_error_and_leaves_nothing(model_cache: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    shutil.copytree(model_cache / E5_FOLDER, broken, ignore=shutil.ignore_patterns("model.safetensors"))
    (broken / "model.safetensors").write_bytes(b"not safetensors at all")
    models = tmp_path / "models"
    with pytest.raises(OnnxExportError, match=r"échec de l'export de .*broken-model"):
        export_onnx_int8(broken, onnx_folder(broken, models))
    assert not models.exists() or list(models.iterdir()) == []  # no half-written folder
    with pytest.raises(EmbeddingModelError, match="SOURCIER_EMBEDDING_BACKEND=torch"):
        load_embedder(make_settings(tmp_path, embedding_model=str(broken), embedding_backend="onnx-int8"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(OnnxExportError, match=r"n'a pas de tokenizer\.json"):
        export_onnx_int8(tmp_path / "empty", tmp_path / "out")


def test_builds_left_by_killed_exports_are_removed(model_cache: Path, tmp_path: Path) -> None:
    """A killed export leaves its build folder (≈ 600 MB); the next export removes those untouched
    for hours, never one that may be another process's build in progress."""
    broken = tmp_path / "broken-model"
    shutil.copytree(model_cache / E5_FOLDER, broken, ignore=shutil.ignore_patterns("model.safetensors"))
    (broken / "model.safetensors").write_bytes(b"not safetensors")
    target = onnx_folder(broken, tmp_path / "models")
    abandoned = target.parent / f".{target.name}.building-old"
    in_progress = target.parent / f".{target.name}.building-new"
    for folder in (abandoned, in_progress):
        (folder / "scratch").mkdir(parents=True)
    hours_ago = time.time() - 4 * 3600
    os.utime(abandoned, (hours_ago, hours_ago))
    with pytest.raises(OnnxExportError):
        export_onnx_int8(broken, target)
    assert not abandoned.exists() and in_progress.exists()


def test_unexported_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="impossible de charger le modèle ONNX"):
        OnnxEmbedder(tmp_path, name="nothing")


def test_serving_from_an_export_does_not_import_torch(onnx_embedder: OnnxEmbedder, model_cache: Path) -> None:
    """Once exported, a process embeds with ONNX Runtime alone: torch stays off the serving path."""
    code = (
        "import sys\n"
        "from sourcier.config import Settings\n"
        "from sourcier.embedding import load_embedder\n"
        f"e = load_embedder(Settings(_env_file=None, data_dir={str(model_cache.parent)!r}, "
        f"model_cache_dir={str(model_cache)!r}, embedding_backend='onnx-int8'))\n"
        "e.encode(['Le budget est voté.'], 'passage'); e.embed_query('Quel budget ?')\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout
