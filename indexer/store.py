"""The index on disk: clauses, BM25, vectors, faiss and a manifest, written atomically.

Layout of an index folder::

    manifest.json   schema version, encoder, dictionary hash, per-document hashes, file checksums
    clauses.jsonl   one clause a line (as `policykb clauses --json`), tags included
    bm25/           bm25s sparse matrices and vocabulary
    vectors.npy     float32 clause vectors, row i ↔ clause i (kept for incremental rebuilds)
    dense.faiss     faiss index over the same rows

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

import bm25s
import numpy as np

from .clause import Clause
from .dense import load_faiss, save_faiss
from .errors import IndexUnusable

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUM_LIMIT = 64 * 1024 * 1024  # larger files are checked by size only, to keep loading fast


@dataclass
class StoredIndex:
    directory: Path
    manifest: dict
    clauses: list[Clause]
    bm25: bm25s.BM25
    vectors: np.ndarray
    faiss_index: object
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
    """Write every file into a temporary sibling folder, then swap it in for `index_dir`."""
    index_dir = Path(index_dir).absolute()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        with open(tmp / "clauses.jsonl", "w", encoding="utf-8") as fh:
            for clause in clauses:
                fh.write(json.dumps(clause.to_json(), ensure_ascii=False) + "\n")
        bm25.save(str(tmp / "bm25"), show_progress=False)
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        save_faiss(faiss_index, tmp / "dense.faiss")
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
        bm25 = bm25s.BM25.load(str(index_dir / "bm25"), load_corpus=False, show_progress=False)
        vectors = np.load(index_dir / "vectors.npy", allow_pickle=False)
        faiss_index = load_faiss(index_dir / "dense.faiss")
    except IndexUnusable:
        raise
    except Exception as exc:
        raise IndexUnusable(f"index at {index_dir} cannot be read ({type(exc).__name__}); {rebuild_hint(index_dir)}") from None
    if not (len(clauses) == len(vectors) == faiss_index.ntotal):
        raise IndexUnusable(f"index at {index_dir} is inconsistent ({len(clauses)} clauses, {len(vectors)} vectors); "
                            f"{rebuild_hint(index_dir)}")
    return StoredIndex(index_dir, manifest, clauses, bm25, vectors, faiss_index)
