"""The embedder on ONNX Runtime: an int8 export of the model, with no torch on the serving path.

Same interface and same arithmetic as :class:`sourcier.embedding.SentenceTransformerEmbedder`
(prompt prefixes, truncation, mean pooling over every token, L2 normalisation, the token states
of the layer two below the top), from a folder made by :mod:`sourcier.onnx_export`. Tokenization
is the model's own ``tokenizer.json`` run by ``tokenizers``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sourcier.embedding import (
    EmbeddingModelError,
    TextKind,
    TokenStates,
    Vectors,
    text_piece_indices,
)
from sourcier.onnx_export import INPUTS, MODEL_FILE, OUTPUTS, SPEC_FILE, TOKENIZER_FILE
from sourcier.runtime import configure_runtime


class OnnxEmbedder:
    """An exported model folder run by ONNX Runtime on the CPU (thread-safe, like the session)."""

    def __init__(self, folder: Path, num_threads: int = 2, *, name: str) -> None:
        configure_runtime()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            options = ort.SessionOptions()
            options.intra_op_num_threads = num_threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # errors only
            session = ort.InferenceSession(
                str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # missing files, bad JSON, a graph ORT refuses: all mean "unusable"
            raise EmbeddingModelError(
                f"impossible de charger le modèle ONNX de plongement dans {folder} : {exc}"
            ) from exc
        outputs = [o.name for o in session.get_outputs()]
        if outputs != list(OUTPUTS) or [i.name for i in session.get_inputs()] != list(INPUTS):
            raise EmbeddingModelError(
                f"{folder / MODEL_FILE} n'est pas un export de Sourcier (sorties {outputs})"
            )
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(spec["max_tokens"]))
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()  # count_tokens switches truncation off for a moment
        self._session = session
        self.query_prefix: str = spec["query_prefix"]
        self.passage_prefix: str = spec["passage_prefix"]
        self.dimension: int = int(spec["dimension"])
        self.max_tokens: int = int(spec["max_tokens"])
        self.name = name

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._run(texts, self.passage_prefix, with_states=False)[0]

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._run(texts, self.query_prefix, with_states=False)[0]

    def embed_query(self, text: str) -> Vectors:
        row: Vectors = self._run([text], self.query_prefix, with_states=False)[0][0]
        return row

    def encode(self, texts: Sequence[str], kind: TextKind) -> tuple[Vectors, list[TokenStates]]:
        return self._run(
            texts, self.query_prefix if kind == "query" else self.passage_prefix, with_states=True
        )

    def count_tokens(self, text: str) -> int:
        with self._tokenizer_lock:
            self._tokenizer.no_truncation()  # count what would be cut too
            try:
                return len(self._tokenizer.encode(self.passage_prefix + text).ids)
            finally:
                self._tokenizer.enable_truncation(max_length=self.max_tokens)

    def _run(
        self, texts: Sequence[str], prefix: str, *, with_states: bool
    ) -> tuple[Vectors, list[TokenStates]]:
        """One text per pass. Dynamic quantization scales each activation tensor by its own
        range, so in a padded batch a text's vector would depend on its neighbours (cosine 0.998
        between the same text alone and batched): alone, a text always gets the same vector,
        whatever the cache, the ingestion batch or the question it comes with."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch([prefix + t for t in texts])
        text_from = len(prefix.rstrip())
        pooled = np.zeros((len(texts), self.dimension), dtype=np.float32)
        states: list[TokenStates] = []
        for index, encoding in enumerate(encodings):
            ids = np.asarray([encoding.ids], dtype=np.int64)
            last, layer = self._session.run(
                list(OUTPUTS), {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            )
            pooled[index] = _normalise(last[0].mean(axis=0))
            if with_states:
                keep = text_piece_indices(encoding.offsets, encoding.attention_mask, text_from)
                states.append(
                    TokenStates(
                        tuple(encoding.tokens[i] for i in keep), _normalise(layer[0, keep]).astype(np.float16)
                    )
                )
        return pooled, states


def _normalise(rows: npt.NDArray[Any]) -> Vectors:
    """Unit rows along the last axis, as ``torch.nn.functional.normalize`` (eps 1e-12)."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.asarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)
