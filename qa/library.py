"""Adding, removing and rebuilding: corpus and index change together, or not at all.

Each change is one transaction (indexer/transaction.py): the corpus as it will be is staged, the
index is built from it, and the two are swapped in together under the library's writer lock. A
second writer waits up to `wait` seconds and is then refused with one line (LibraryBusy, exit 2);
a killed change is finished or undone by the next one to start.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from indexer import transaction
from indexer.build import BuildReport, build_index
from indexer.errors import BadInput
from indexer.corpus import CorpusEntry, add_document, list_documents, meta_path, remove_document
from indexer.store import index_exists

DEFAULT_WAIT_S = transaction.DEFAULT_WAIT_S


def add_documents(corpus_dir: Path, index_dir: Path, files: list[Path], meta: dict | None = None,
                  doc_id: str | None = None, progress=None, wait: float = DEFAULT_WAIT_S,
                  on_wait=None) -> tuple[list[CorpusEntry], BuildReport]:
    """Validate each file and add them all, with the index rebuilt to match; if any file is bad or the
    build fails, neither the corpus nor the index changes."""
    corpus_dir = Path(corpus_dir)
    with transaction.change(corpus_dir, index_dir, wait, "add", on_wait) as change, _naming(change, corpus_dir):
        added = []
        for path in files:
            staged = add_document(change.view, Path(path), doc_id, meta)
            transaction.note_added(change, staged.path, meta_path(staged.path))
            added.append(CorpusEntry(staged.doc_id, corpus_dir / staged.path.name, staged.meta))
        transaction.fault_point("staged")
        report = build_index(change.view, index_dir, progress=progress)
    return added, report


def remove_documents(corpus_dir: Path, index_dir: Path, doc_id: str, progress=None, wait: float = DEFAULT_WAIT_S,
                     on_wait=None) -> tuple[CorpusEntry, BuildReport | None]:
    """Remove one document from the corpus and the index. Removing the last document empties the
    corpus and leaves the old index as it was (an index needs at least one document): report None."""
    corpus_dir = Path(corpus_dir)
    with transaction.change(corpus_dir, index_dir, wait, "remove", on_wait) as change, _naming(change, corpus_dir):
        staged = remove_document(change.view, doc_id)
        transaction.note_removed(change, staged.path, meta_path(staged.path))
        entry = CorpusEntry(staged.doc_id, corpus_dir / staged.path.name, staged.meta)
        transaction.fault_point("staged")
        if not list_documents(change.view):
            transaction.apply_without_index(change, index_dir)
            return entry, None
        report = build_index(change.view, index_dir, progress=progress)
    return entry, report


def rebuild(corpus_dir: Path, index_dir: Path, encoder_name: str | None = None, progress=None,
            wait: float = DEFAULT_WAIT_S, on_wait=None, **options) -> BuildReport:
    """Build or refresh the index from the corpus as it is (only changed documents are re-embedded).
    `options` go to indexer.build.build_index (backend, milvus_uri, milvus_token, workers)."""
    with transaction.writer(index_dir, wait, "rebuild", on_wait):
        return build_index(corpus_dir, index_dir, encoder_name, progress=progress, **options)


def ensure_built(corpus_dir: Path, index_dir: Path, progress=None, wait: float = DEFAULT_WAIT_S,
                 on_wait=None) -> BuildReport | None:
    """Build the index if it is missing; a process that waited for another's build uses that one."""
    if index_exists(index_dir):
        return None
    with transaction.writer(index_dir, wait, "build", on_wait):
        if index_exists(index_dir):
            return None
        return build_index(corpus_dir, index_dir, progress=progress)


@contextlib.contextmanager
def _naming(change: transaction.Change, corpus_dir: Path):
    """Errors about the staged corpus name the user's corpus folder, not the stage."""
    try:
        yield
    except BadInput as exc:
        message = str(exc).replace(str(change.view), str(corpus_dir))
        if message == str(exc):
            raise
        raise type(exc)(message) from None
