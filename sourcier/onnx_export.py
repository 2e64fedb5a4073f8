"""Export a local sentence-transformers model folder to an int8 ONNX model, once, and keep it.

Why: ONNX Runtime runs the dynamically int8-quantized model several times faster than fp32
PyTorch on a small CPU, and serving it needs neither torch nor transformers.

How, with kept libraries only: torch's own ONNX exporter traces the transformer (returning the
last hidden state *and* the layer the alignment ranker reads, ``alignment_states``);
ONNX Runtime's transformer optimizer fuses attention, GELU and layer norms; ONNX Runtime's
``quantize_dynamic`` stores the weights as per-channel int8 (per-tensor lost up to 0.016 of
cosine to fp32, per-channel ≤ 0.005). ``optimum-onnx``, which sentence-transformers' own ONNX
backend uses, requires transformers < 4.58 and so cannot be installed beside transformers 5.

The folder is built next to its final place and renamed into it (a crash never leaves half a
model), and a marker written last records the exporter's version and the source's fingerprint:
a changed source or exporter triggers a fresh export, anything else reuses the folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

#: Bump whenever the exported folder changes (graph, outputs, quantization, files).
FORMAT_VERSION = 1
#: Written last inside the folder: its presence and content say the folder is complete and current.
MARKER_FILE = "sourcier-onnx.json"
MODEL_FILE = "model.onnx"
#: What the ONNX embedder needs besides the graph: prompts, dimension, limits.
SPEC_FILE = "embedder.json"
TOKENIZER_FILE = "tokenizer.json"
INPUTS = ("input_ids", "attention_mask")
#: A build folder older than this was left by a killed export (one takes ≈ 1 min, 10 under load).
ABANDONED_AFTER_S = 3 * 3600
OUTPUTS = ("last_hidden_state", "alignment_states")
#: Files of the source folder whose change means the export is stale.
_SOURCE_FILES = (
    "model.safetensors",
    "config.json",
    TOKENIZER_FILE,
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
)


class OnnxExportError(RuntimeError):
    """The model folder could not be exported to ONNX; the message says why."""


def onnx_folder(source: Path, models_dir: Path) -> Path:
    """Where the int8 export of ``source`` lives: beside the converted models."""
    return Path(models_dir) / f"{Path(source).name}-onnx-int8"


def ensure_onnx_int8(source: Path, models_dir: Path) -> Path:
    """The int8 ONNX folder for the model folder ``source``, exported on first use (≈ 1 min).

    Processes that need it at the same time (two servers, two test workers on a fresh machine)
    export it once: the others wait on a lock file beside it, then find it done."""
    from filelock import FileLock

    target = onnx_folder(source, models_dir)
    if is_current(target, source):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(export_lock(target)):
        if is_current(target, source):  # exported by the process this one waited for
            return target
        return export_onnx_int8(source, target)


def export_lock(target: Path) -> Path:
    """The lock file that one export of ``target`` at a time holds."""
    return target.parent / f".{target.name}.lock"


def export_onnx_int8(source: Path, target: Path) -> Path:
    """Export ``source`` to ``target`` (replacing a stale one). Needs torch and transformers."""
    source, target = Path(source), Path(target)
    if not (source / TOKENIZER_FILE).is_file():
        raise OnnxExportError(
            f"{source} n'a pas de {TOKENIZER_FILE} : ce n'est pas le dossier d'un modèle "
            "sentence-transformers"
        )
    if not exporter_installed():
        raise OnnxExportError(
            f"l'export de {source} en ONNX int8 (une fois, ≈ 1 min) demande PyTorch, absent de cette "
            "installation : installez-le (pip install torch==2.13.0 transformers onnx) ou copiez "
            "ici un dossier déjà exporté (`sourcier model` l'exporte et dit où il est)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(target)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        building.chmod(0o755)  # mkdtemp's 0o700 would hide the model from other users
        try:
            _build(source, building)
        except OnnxExportError:
            raise
        except Exception as exc:  # exporter, optimizer and quantizer raise many kinds; all mean "failed"
            raise OnnxExportError(
                f"échec de l'export de {source} en ONNX : {type(exc).__name__} : {exc}"
            ) from exc
        _write_json(building / MARKER_FILE, _marker(source))  # last: the folder is complete
        if is_current(target, source):
            return target  # another process finished first (and may be reading it): keep it
        if target.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale-", dir=target.parent))
            os.replace(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(building, target)
        except OSError:
            if not is_current(target, source):  # lost a race to an equivalent folder: fine
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def exporter_installed() -> bool:
    """Whether this installation can export (torch, transformers, onnx); serving an export needs
    none of them."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("torch", "transformers", "onnx"))


def _remove_abandoned_builds(target: Path) -> None:
    """Delete builds of ``target`` that a killed process left (≈ 600 MB each): untouched for
    longer than any export takes, so not another process's build in progress."""
    for folder in target.parent.glob(f".{target.name}.building-*"):
        try:
            if time.time() - folder.stat().st_mtime > ABANDONED_AFTER_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def is_current(folder: Path, source: Path) -> bool:
    """``folder`` holds a complete export of ``source`` as it is now, by this exporter version."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(marker == _marker(source)) and (folder / MODEL_FILE).is_file()


def _marker(source: Path) -> dict[str, Any]:
    fingerprint = {}
    for name in _SOURCE_FILES:
        path = source / name
        if path.is_file():
            stat = path.stat()
            fingerprint[name] = [stat.st_size, stat.st_mtime_ns]
    return {"format_version": FORMAT_VERSION, "source": str(source.resolve()), "files": fingerprint}


def _build(source: Path, folder: Path) -> None:
    """fp32 graph → fused graph → int8 graph, plus the tokenizer and the embedder's spec."""
    from sourcier.embedding import SentenceTransformerEmbedder

    reference = SentenceTransformerEmbedder(source, num_threads=os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        fused = Path(scratch) / "fused.onnx"
        config = _export_fp32(source, fp32)
        _fuse(fp32, fused, config)
        _quantize(fused, folder / MODEL_FILE)
    (folder / MODEL_FILE).chmod(0o644)
    shutil.copyfile(source / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    _write_json(
        folder / SPEC_FILE,
        {
            "dimension": reference.dimension,
            "max_tokens": reference.max_tokens,
            "query_prefix": reference.query_prefix,
            "passage_prefix": reference.passage_prefix,
            "pad_token_id": config["pad_token_id"],
        },
    )


def _export_fp32(source: Path, path: Path) -> dict[str, Any]:
    """Trace the transformer with torch's exporter; returns the facts the next steps need."""
    import torch
    from transformers import AutoModel

    from sourcier.embedding import alignment_layer

    # eager attention: a plain graph that ONNX Runtime's optimizer recognises and fuses
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager", local_files_only=True).eval()
    layers = int(model.config.num_hidden_layers)
    states_index = alignment_layer(layers) + 1  # hidden_states[0] is the embeddings' output

    class _Outputs(torch.nn.Module):
        """The transformer with the two outputs the embedder reads."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
            out = self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                output_hidden_states=True,
                return_dict=True,
            )
            return out.last_hidden_state, out.hidden_states[states_index]

    # a padded example, so the traced graph keeps the attention mask's effect
    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 400, 2, 1, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, *OUTPUTS)}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer and deprecation warnings about a graph we check in tests
        torch.onnx.export(
            _Outputs(),
            (ids, mask),
            str(path),
            input_names=list(INPUTS),
            output_names=list(OUTPUTS),
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: no onnxscript dependency, dynamic axes as asked
        )
    pad = model.config.pad_token_id
    return {
        "num_heads": int(model.config.num_attention_heads),
        "hidden_size": int(model.config.hidden_size),
        "pad_token_id": int(pad) if pad is not None else 0,
    }


def _fuse(source: Path, target: Path, config: dict[str, Any]) -> None:
    """ONNX Runtime's transformer optimizer: fused attention, bias-GELU, skip layer norms."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(source),
        model_type="bert",  # the encoder-only family (BERT, RoBERTa, XLM-R share its fusions)
        num_heads=config["num_heads"],
        hidden_size=config["hidden_size"],
        opt_level=1,  # graph fusions only; level 2+ bakes in optimizations for the exporting CPU
    )
    optimized.save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    """Weights to per-channel int8; activations quantized on the fly at run time (dynamic)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its "consider pre-processing" advice is for static quantization
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # fused operators (Attention, SkipLayerNormalization) defeat shape inference: say "float"
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


__all__ = [
    "MARKER_FILE",
    "MODEL_FILE",
    "OUTPUTS",
    "SPEC_FILE",
    "OnnxExportError",
    "ensure_onnx_int8",
    "export_onnx_int8",
    "is_current",
    "onnx_folder",
]
