"""The index on disk: clauses, BM25, vectors, faiss and a manifest, written atomically.

Layout of an index folder::

    manifest.json   schema version, encoder, dictionary hash, per-document hashes, file checksums, backend
    clauses.jsonl   one clause a line (as `policykb clauses --json`), tags included
    term_stats.json the BM25 vocabulary and document frequencies (what qa/ reads, any backend)
    bm25/           bm25s sparse matrices and vocabulary                         (local backend)
    vectors.npy     float32 clause vectors, row i ↔ clause i (kept for incremental rebuilds)
    dense.faiss     faiss index over the same rows                               (local backend)

With `backend: milvus` the postings and vectors live in Milvus (`indexer.milvus_backend`); the folder
keeps the manifest, clauses, term statistics and vectors.

A build writes a sibling temporary folder and swaps it in with renames, so a failed build leaves
the previous index untouched and usable.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import bm25s
import numpy as np

from .clause import Clause
from .dense import save_faiss
from .errors import IndexUnusable
from .termstats import FILE as TERM_STATS, TermStats, read_term_stats, term_stats_of, write_term_stats

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUM_LIMIT = 64 * 1024 * 1024  # larger files are checked by size only, to keep loading fast


@dataclass
class StoredIndex:
    directory: Path
    manifest: dict
    clauses: list[Clause]
    backend: object            # an indexer.backend.SearchBackend
    term_stats: TermStats
    by_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {c.clause_id: i for i, c in enumerate(self.clauses)}

    @property
    def encoder_name(self) -> str:
        return self.manifest["encoder"]["name"]

    @property
    def documents(self) -> dict[str, dict]:
        return self.manifest["documents"]


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild with: policykb build --index {index_dir}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_record(path: Path) -> dict:
    size = path.stat().st_size
    return {"size": size, "sha256": _sha256(path) if size <= CHECKSUM_LIMIT else None}


def write_index(index_dir: Path, manifest: dict, clauses: list[Clause], bm25: bm25s.BM25,
                vectors: np.ndarray, faiss_index) -> None:
    """The local backend's index folder: bm25s, vectors and faiss beside the clauses."""
    def parts(folder: Path) -> None:
        bm25.save(str(folder / "bm25"), show_progress=False)
        np.save(folder / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        save_faiss(faiss_index, folder / "dense.faiss")

    write_index_folder(index_dir, manifest, clauses, term_stats_of(bm25), parts)


def write_index_folder(index_dir: Path, manifest: dict, clauses: list[Clause], term_stats: TermStats,
                       write_parts: Callable[[Path], None]) -> None:
    """Write every file into a temporary sibling folder, then swap it in for `index_dir`.

    `write_parts(folder)` writes the backend's own files; clauses, term statistics and the manifest
    (with every file's size and checksum) are written here."""
    index_dir = Path(index_dir).absolute()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        with open(tmp / "clauses.jsonl", "w", encoding="utf-8") as fh:
            for clause in clauses:
                fh.write(json.dumps(clause.to_json(), ensure_ascii=False) + "\n")
        write_term_stats(term_stats, tmp)
        write_parts(tmp)
        files = {}
        for path in sorted(tmp.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(tmp))] = _file_record(path)
        manifest = {**manifest, "schema_version": SCHEMA_VERSION, "files": files,
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        _swap_in(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, index_dir: Path) -> None:
    """Exchange the written folder for the index in one journaled step (see indexer/transaction.py)."""
    from .transaction import swap_in

    swap_in(tmp, index_dir)


def _recover(index_dir: Path) -> None:
    """Finish or undo a crashed change, unless a writer is running (it does that itself)."""
    from .transaction import recover_if_idle

    recover_if_idle(index_dir)


def index_exists(index_dir: Path) -> bool:
    from .transaction import reading

    index_dir = Path(index_dir).absolute()
    _recover(index_dir)
    with reading(index_dir):
        return (index_dir / MANIFEST).exists()


def read_manifest(index_dir: Path) -> dict:
    index_dir = Path(index_dir).absolute()
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexUnusable(f"no index at {index_dir}; {rebuild_hint(index_dir)}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IndexUnusable(f"index manifest {path} is corrupt; {rebuild_hint(index_dir)}") from None
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexUnusable(f"index at {index_dir} has schema {manifest.get('schema_version') if isinstance(manifest, dict) else '?'}, "
                            f"this PolicyKB reads schema {SCHEMA_VERSION}; {rebuild_hint(index_dir)}")
    return manifest


def verify_files(index_dir: Path, manifest: dict) -> None:
    for name, record in manifest.get("files", {}).items():
        path = index_dir / name
        if not path.exists():
            raise IndexUnusable(f"index file {path} is missing; {rebuild_hint(index_dir)}")
        if path.stat().st_size != record["size"] or (record.get("sha256") and _sha256(path) != record["sha256"]):
            raise IndexUnusable(f"index file {path} is truncated or corrupt; {rebuild_hint(index_dir)}")


def load_index(index_dir: Path, expect_dictionary: str | None = None) -> StoredIndex:
    """The index, read under the swap lock's shared side: a library change never swaps it mid-read."""
    from .transaction import reading

    index_dir = Path(index_dir).absolute()
    _recover(index_dir)
    with reading(index_dir):
        return _load_index(index_dir, expect_dictionary)


def _load_index(index_dir: Path, expect_dictionary: str | None) -> StoredIndex:
    manifest = read_manifest(index_dir)
    verify_files(index_dir, manifest)
    if expect_dictionary and manifest.get("dictionary_hash") != expect_dictionary:
        raise IndexUnusable(f"index at {index_dir} was built with another vocabulary (dictionary hash "
                            f"{manifest.get('dictionary_hash')} ≠ {expect_dictionary}); {rebuild_hint(index_dir)}")
    try:
        with open(index_dir / "clauses.jsonl", encoding="utf-8") as fh:
            clauses = [Clause.from_json(json.loads(line)) for line in fh if line.strip()]
        term_stats = _term_stats(index_dir)
    except IndexUnusable:
        raise
    except Exception as exc:
        raise IndexUnusable(f"index at {index_dir} cannot be read ({type(exc).__name__}); {rebuild_hint(index_dir)}") from None
    from .backend import open_backend

    backend = open_backend(index_dir, manifest, clauses)
    return StoredIndex(index_dir, manifest, clauses, backend, term_stats)


def _term_stats(index_dir: Path) -> TermStats:
    if (index_dir / TERM_STATS).exists():
        return read_term_stats(index_dir)
    # an index written before term_stats.json existed: the local backend's bm25s matrix has them
    return term_stats_of(bm25s.BM25.load(str(index_dir / "bm25"), load_corpus=False, show_progress=False))
