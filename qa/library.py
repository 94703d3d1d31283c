"""Adding and removing documents: corpus and index change together, or not at all."""
from __future__ import annotations

from pathlib import Path

from indexer.build import BuildReport, build_index
from indexer.corpus import CorpusEntry, add_document, list_documents, remove_document


def add_documents(corpus_dir: Path, index_dir: Path, files: list[Path], meta: dict | None = None,
                  doc_id: str | None = None, progress=None) -> tuple[list[CorpusEntry], BuildReport]:
    """Validate and copy each file into the corpus, then refresh the index.

    If any file is bad or the build fails, the files already copied are taken out again, and the
    index (written atomically) is still the previous one.
    """
    added: list[CorpusEntry] = []
    try:
        for path in files:
            added.append(add_document(corpus_dir, Path(path), doc_id, meta))
        report = build_index(corpus_dir, index_dir, progress=progress)
    except BaseException:
        for entry in added:
            remove_document(corpus_dir, entry.doc_id)
        raise
    return added, report


def remove_documents(corpus_dir: Path, index_dir: Path, doc_id: str, progress=None) -> tuple[CorpusEntry, BuildReport | None]:
    entry = remove_document(corpus_dir, doc_id)
    report = build_index(corpus_dir, index_dir, progress=progress) if list_documents(corpus_dir) else None
    return entry, report
