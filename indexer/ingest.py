"""Ingestion at scale: documents parsed in parallel, embeddings checkpointed so a build resumes.

- `segment_entries` loads, segments, tags and BM25-tokenizes documents in a bounded pool of worker
  processes (results stream back in corpus order; a small corpus is done in-process).
- `EmbeddingCheckpoint` keeps finished clause vectors, keyed by a hash of the encoder and the passage
  text, in shards in a work folder beside the index (`.<index>.work/embeddings/`). A build that is
  killed loses at most the shard it was filling; the next build reads the shards back and embeds only
  what is missing. The work folder is removed once the index is swapped in.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .clause import Clause

Progress = Callable[[str, int, int], None]

PARALLEL_FROM = 48          # documents; below this a pool costs more than it saves
MAX_WORKERS = 4
CHECKPOINT_EVERY = 1024     # clause vectors per checkpoint shard


@dataclass
class SegmentedDocument:
    doc_id: str
    record: dict            # the manifest's per-document entry
    clauses: list[Clause]
    tokens: list[list[str]]  # BM25 tokens of each clause


def _segment_one(entry) -> SegmentedDocument:
    from .build import bm25_text
    from .records import build_record
    from .segment import segment_document
    from .tagging import tag_clause
    from .tokenize import default_tokenizer
    from .vocabulary import default_vocabulary

    vocabulary, tokenizer = default_vocabulary(), default_tokenizer()
    doc = entry.load()
    clauses = segment_document(doc)
    for clause in clauses:
        clause.tags = tag_clause(clause, vocabulary)
    tokens = [tokenizer.tokenize(bm25_text(c)) or ["∅"] for c in clauses]
    record = {"hash": entry.content_hash, "title": doc.title, "clauses": len(clauses), "file": entry.path.name,
              "meta": doc.meta, "record": build_record(entry.doc_id, doc.title, doc.text, doc.meta, entry.path.name)}
    return SegmentedDocument(entry.doc_id, record, clauses, tokens)


@dataclass
class Unreadable:
    """A document of the corpus that could not be read (an empty or header-only file, a damaged one)."""
    name: str
    reason: str
    path: str = ""


def _segment_or_unreadable(entry) -> SegmentedDocument | Unreadable:
    from .errors import BadInput

    try:
        return _segment_one(entry)
    except BadInput as exc:   # the message names the file already: keep what follows the path
        return Unreadable(entry.path.name, str(exc).split(": ", 1)[-1], str(entry.path))


def worker_count(documents: int, workers: int | None = None) -> int:
    if workers is not None:
        return max(1, workers)
    if documents < PARALLEL_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def segment_entries(entries: list, progress: Progress | None = None, workers: int | None = None):
    """Each entry's SegmentedDocument (or `Unreadable`, saying why not), in corpus order, parsed by up to
    `workers` processes."""
    say = progress or (lambda stage, done, total: None)
    n = worker_count(len(entries), workers)
    say("parsing", 0, len(entries))
    if n == 1:
        for i, entry in enumerate(entries, 1):
            yield _segment_or_unreadable(entry)
            say("parsing", i, len(entries))
        return
    # fork where there is one: workers start at once and share the loaded dictionaries; they run only
    # Python (parsing, regexes, jieba), never the OpenMP/BLAS code a forked child must not enter.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(n) as pool:
        for i, doc in enumerate(pool.imap(_segment_or_unreadable, entries, chunksize=4), 1):
            yield doc
            say("parsing", i, len(entries))


def passage_key(encoder_key: str, text: str) -> bytes:
    return hashlib.blake2b(f"{encoder_key}\x1f{text}".encode("utf-8"), digest_size=16).digest()


def work_folder(index_dir: Path) -> Path:
    index_dir = Path(index_dir).absolute()
    return index_dir.with_name(f".{index_dir.name}.work")


class EmbeddingCheckpoint:
    """Finished vectors of one encoder, in files `shard-<time>-<pid>.npz` (keys, vectors), each written
    atomically; several processes (embedding workers, `policykb build --embed-shard I/K`) may add to one
    folder at once."""

    def __init__(self, folder: Path, encoder_key: str) -> None:
        self.encoder_key = encoder_key
        self.folder = Path(folder) / hashlib.sha1(encoder_key.encode("utf-8")).hexdigest()[:12]
        self.pending_keys: list[bytes] = []
        self.pending_vectors: list[np.ndarray] = []

    def key(self, text: str) -> bytes:
        return passage_key(self.encoder_key, text)

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("shard-*.npz")) if self.folder.is_dir() else []

    def load(self) -> dict[bytes, np.ndarray]:
        """key → vector for every vector a previous, unfinished build embedded (unreadable shards skipped)."""
        out: dict[bytes, np.ndarray] = {}
        for shard in self._shards():
            try:
                with np.load(shard, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue
            for k, v in zip(keys, vectors):
                out[bytes(k)] = v
        return out

    def add(self, texts: list[str], vectors: np.ndarray, every: int = CHECKPOINT_EVERY) -> None:
        self.pending_keys.extend(self.key(t) for t in texts)
        self.pending_vectors.append(np.asarray(vectors, dtype=np.float32))
        if len(self.pending_keys) >= every:
            self.flush()

    def flush(self) -> None:
        if not self.pending_keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = np.frombuffer(b"".join(self.pending_keys), dtype="V16")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".shard-", suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, keys=keys, vectors=np.concatenate(self.pending_vectors))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / f"shard-{time.time_ns():020d}-{os.getpid()}.npz")
        self.pending_keys, self.pending_vectors = [], []

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
