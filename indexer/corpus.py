"""The corpus folder: documents with a `<doc_id>.meta.json` beside each."""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .clause import Document
from .errors import BadInput
from .load import SUPPORTED_SUFFIXES, read_document

META_FIELDS = ("title", "issuer", "doc_number", "date", "source", "kind", "region", "effective")
DOC_ID = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_\-\u4e00-\u9fff]{0,63}$")


@dataclass
class CorpusEntry:
    doc_id: str
    path: Path
    meta: dict

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256(self.path.read_bytes())
        digest.update(json.dumps(self.meta, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()[:16]

    def load(self) -> Document:
        return read_document(self.path, self.doc_id, title=self.meta.get("title"), meta=self.meta)


def list_documents(corpus_dir: Path) -> list[CorpusEntry]:
    """The documents of a corpus folder, and of its sub-folders (a collection kept in its own tree, such as
    one folder per level or region). A top-level document's id is its file name's stem; a nested one's is
    the stem made a valid id, with a hash of its path added when two would be the same."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise BadInput(f"{corpus_dir}: corpus folder not found")
    paths = []
    for path in sorted(corpus_dir.rglob("*"), key=lambda p: p.relative_to(corpus_dir).parts):
        relative = path.relative_to(corpus_dir)
        if (path.suffix.lower() not in SUPPORTED_SUFFIXES or path.name.lower() == "readme.md"
                or any(part.startswith(".") for part in relative.parts) or not path.is_file()):
            continue
        paths.append(path)
    ids = _document_ids(corpus_dir, paths)
    return [CorpusEntry(doc_id, path, read_meta(path)) for doc_id, path in zip(ids, paths)]


def _document_ids(corpus_dir: Path, paths: list[Path]) -> list[str]:
    wanted = [p.stem if p.parent == corpus_dir else make_doc_id(p.name) for p in paths]
    taken = Counter(wanted)
    out = []
    for path, doc_id in zip(paths, wanted):
        if path.parent != corpus_dir and taken[doc_id] > 1:
            digest = hashlib.blake2b(str(path.relative_to(corpus_dir)).encode("utf-8"), digest_size=4).hexdigest()
            doc_id = f"{doc_id[:55]}-{digest}"
        out.append(doc_id)
    return out


def meta_path(doc_path: Path) -> Path:
    return doc_path.with_name(doc_path.stem + ".meta.json")


def read_meta(doc_path: Path) -> dict:
    mp = meta_path(doc_path)
    if not mp.exists():
        return {"doc_id": doc_path.stem}
    try:
        meta = json.loads(mp.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{mp}: metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise BadInput(f"{mp}: metadata must be a JSON object")
    return meta


def make_doc_id(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_\-\u4e00-\u9fff]+", "-", Path(name).stem).strip("-_")
    return stem[:64] or "doc"


def add_document(corpus_dir: Path, source: Path, doc_id: str | None = None, meta: dict | None = None) -> CorpusEntry:
    """Validate `source` (it must load and segment), then copy it and its metadata into the corpus."""
    from .segment import segment_document

    source = Path(source)
    doc_id = doc_id or make_doc_id(source.name)
    if not DOC_ID.match(doc_id):
        raise BadInput(f"{doc_id!r}: a document id is letters, digits, '-' or '_' (at most 64)")
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    if _top_level_document(corpus_dir, doc_id):
        raise BadInput(f"{doc_id}: a document with this id is already in {corpus_dir}; remove it first or pass --id")
    meta = {"doc_id": doc_id, **{k: v for k, v in (meta or {}).items() if v is not None}}
    document = read_document(source, doc_id, title=meta.get("title"), meta=meta)
    if not segment_document(document):
        raise BadInput(f"{source}: no clauses could be cut from this document")
    meta.setdefault("title", document.title)
    target = corpus_dir / f"{doc_id}{source.suffix.lower()}"
    _atomic_copy(source, target)
    _atomic_write_text(meta_path(target), json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return CorpusEntry(doc_id, target, meta)


def _top_level_document(corpus_dir: Path, doc_id: str) -> bool:
    """Whether the corpus folder already holds a document `doc_id` (without listing, and so reading the
    metadata of, every document: adding thousands of files one by one stays linear)."""
    return any(p.stem == doc_id and p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file()
               for p in corpus_dir.glob(glob.escape(doc_id) + ".*"))


def remove_document(corpus_dir: Path, doc_id: str) -> CorpusEntry:
    for entry in list_documents(corpus_dir):
        if entry.doc_id == doc_id:
            entry.path.unlink()
            meta_path(entry.path).unlink(missing_ok=True)
            return entry
    raise BadInput(f"{doc_id}: no such document in {corpus_dir}")


def _atomic_copy(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def _atomic_write_text(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)
