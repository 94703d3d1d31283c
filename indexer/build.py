"""Building (or refreshing) the index from the corpus; only changed documents are re-embedded."""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import bm25s
import numpy as np

from .backend import BACKENDS
from .clause import Clause
from .corpus import list_documents
from .dense import build_faiss
from .encoders import DEFAULT_ENCODER, get_encoder
from .errors import BadInput, IndexUnusable
from .segment import segment_document
from .store import index_exists, read_manifest, write_index, write_index_folder
from .termstats import term_stats_of
from .tagging import tag_clause
from .tokenize import Tokenizer, default_tokenizer
from .vocabulary import default_vocabulary

BM25_PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    documents: int
    clauses: int
    embedded: int
    reused: int
    index_dir: Path


_ENUMERATOR = re.compile(r"^(第[^章节]{1,4}[章节]|[(（][^)）]{1,3}[)）])\s*")


def passage_text(clause: Clause) -> str:
    """What is embedded for a clause: the names of its two innermost headings, then its text.
    (Numbering such as 第六章 only blurs an embedding; 专栏N is kept, people cite boxes by number.)"""
    names = " ".join(_ENUMERATOR.sub("", h) for h in clause.path[-2:])
    return f"{names}\n{clause.text}".strip()


def bm25_text(clause: Clause) -> str:
    """What BM25 indexes: the two innermost headings as printed, so '第六章' or '专栏7' finds them."""
    return f"{' '.join(clause.path[-2:])}\n{clause.text}".strip()


def bm25_corpus_tokens(clauses: list[Clause], tokenizer: Tokenizer) -> list[list[str]]:
    return [tokenizer.tokenize(bm25_text(c)) or ["∅"] for c in clauses]


def make_bm25(tokens: list[list[str]]) -> bm25s.BM25:
    bm25 = bm25s.BM25(**BM25_PARAMS)
    bm25.index(tokens, show_progress=False)
    return bm25


def segment_corpus(corpus_dir: Path) -> tuple[list[Clause], dict[str, dict]]:
    """Every clause of every document, tagged, with a record of each document."""
    vocabulary = default_vocabulary()
    clauses: list[Clause] = []
    documents: dict[str, dict] = {}
    entries = list_documents(corpus_dir)
    if not entries:
        raise BadInput(f"{corpus_dir}: no documents in the corpus (add one with: policykb add FILE)")
    for entry in entries:
        doc = entry.load()
        doc_clauses = segment_document(doc)
        for clause in doc_clauses:
            clause.tags = tag_clause(clause, vocabulary)
        clauses.extend(doc_clauses)
        documents[entry.doc_id] = {"hash": entry.content_hash, "title": doc.title, "clauses": len(doc_clauses),
                                   "file": entry.path.name, "meta": doc.meta}
    return clauses, documents


def _previous_vectors(index_dir: Path, encoder_name: str, dim: int, documents: dict[str, dict]) -> dict[str, tuple[str, np.ndarray]]:
    """clause_id → (text, vector) from the current index, for documents whose hash is unchanged."""
    try:
        if not index_exists(index_dir):
            return {}
        manifest = read_manifest(index_dir)
        if manifest["encoder"]["name"] != encoder_name or manifest["encoder"]["dim"] != dim:
            return {}
        unchanged = {d for d, rec in documents.items() if manifest["documents"].get(d, {}).get("hash") == rec["hash"]}
        if not unchanged:
            return {}
        vectors = np.load(index_dir / "vectors.npy", allow_pickle=False)
        out = {}
        with open(index_dir / "clauses.jsonl", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                obj = json.loads(line)
                if obj["doc_id"] in unchanged and i < len(vectors):
                    out[obj["clause_id"]] = (passage_text(Clause.from_json(obj)), vectors[i])
        return out
    except (IndexUnusable, OSError, ValueError, KeyError, json.JSONDecodeError):
        return {}  # an unreadable previous index is simply not reused


def _previous_manifest(index_dir: Path) -> dict:
    try:
        return read_manifest(index_dir) if index_exists(index_dir) else {}
    except IndexUnusable:
        return {}


def build_index(corpus_dir: Path, index_dir: Path, encoder_name: str | None = None,
                progress: Progress | None = None, backend: str | None = None, milvus_uri: str | None = None,
                milvus_token: str | None = None) -> BuildReport:
    """Build (or refresh) the index. Encoder, backend and Milvus URI default to the current index's."""
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    previous_manifest = _previous_manifest(index_dir)
    encoder_name = encoder_name or previous_manifest.get("encoder", {}).get("name") or DEFAULT_ENCODER
    backend = backend or previous_manifest.get("backend") or "local"
    if backend not in BACKENDS:
        raise BadInput(f"--backend {backend}: use one of {', '.join(BACKENDS)}")
    if backend == "milvus":
        milvus_uri = milvus_uri or (previous_manifest.get("milvus") or {}).get("uri")
        if not milvus_uri:
            raise BadInput("--backend milvus needs --milvus-uri (a Milvus Lite file such as ./index.milvus.db, "
                           "or http://host:19530)")
    say = progress or (lambda stage, done, total: None)
    say("segmenting", 0, 1)
    clauses, documents = segment_corpus(corpus_dir)
    say("segmenting", 1, 1)
    encoder = get_encoder(encoder_name)
    texts = [passage_text(c) for c in clauses]
    previous = _previous_vectors(index_dir, encoder.name, encoder.dim, documents)
    vectors = np.zeros((len(clauses), encoder.dim), dtype=np.float32)
    todo = []
    for i, (clause, text) in enumerate(zip(clauses, texts)):
        old = previous.get(clause.clause_id)
        if old is not None and old[0] == text:
            vectors[i] = old[1]
        else:
            todo.append(i)
    batch = 16
    for start in range(0, len(todo), batch):
        say("embedding", start, len(todo))
        rows = todo[start:start + batch]
        vectors[rows] = encoder.encode_passages([texts[i] for i in rows])
    say("embedding", len(todo), len(todo))
    tokenizer = default_tokenizer()
    bm25 = make_bm25(bm25_corpus_tokens(clauses, tokenizer))
    say("writing", 0, 1)
    manifest = {
        "encoder": {"name": encoder.name, "version": encoder.version, "dim": encoder.dim},
        "dictionary_hash": tokenizer.vocabulary.digest,
        "tokenizer": "jieba cut_for_search + domain terms + stop words",
        "bm25": BM25_PARAMS,
        "backend": backend,
        "documents": documents,
    }
    if backend == "local":
        write_index(index_dir, manifest, clauses, bm25, vectors, build_faiss(vectors))
    else:
        _write_milvus_index(index_dir, manifest, previous_manifest, clauses, documents, bm25, vectors,
                            milvus_uri, milvus_token, say)
    say("writing", 1, 1)
    return BuildReport(len(documents), len(clauses), len(todo), len(clauses) - len(todo), index_dir)


def _write_milvus_index(index_dir: Path, manifest: dict, previous_manifest: dict, clauses: list[Clause],
                        documents: dict[str, dict], bm25, vectors: np.ndarray, uri: str, token: str | None,
                        say: Progress) -> None:
    """A new collection, then the index folder naming it (swapped in atomically); a failure drops the
    new collection and leaves the previous index serving. The collection before the previous one is
    dropped: the previous one stays for processes still serving it until they reopen the index."""
    from .milvus_backend import drop_collection, normalize_uri, write_collection

    uri = normalize_uri(uri)
    collection = f"policykb_{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:8]}"
    old = (previous_manifest.get("milvus") or {}) if previous_manifest.get("backend") == "milvus" else {}
    write_collection(uri, token, collection, clauses, documents, bm25, vectors, say)
    manifest = {**manifest, "milvus": {"uri": uri, "collection": collection,
                                       "previous": old.get("collection") if old.get("uri") == uri else None}}

    def parts(folder: Path) -> None:
        np.save(folder / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))

    try:
        write_index_folder(index_dir, manifest, clauses, term_stats_of(bm25), parts)
    except BaseException:
        drop_collection(uri, token, collection)
        raise
    if old.get("uri") == uri and old.get("previous"):
        drop_collection(uri, token, old["previous"])
