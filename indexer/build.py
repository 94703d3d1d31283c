"""Building (or refreshing) the index from the corpus; only changed documents are re-embedded."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import bm25s
import numpy as np

from .clause import Clause
from .corpus import list_documents
from .dense import build_faiss
from .encoders import DEFAULT_ENCODER, get_encoder
from .records import build_record, link_editions, link_references
from .errors import BadInput, IndexUnusable
from .segment import segment_document
from .store import index_exists, read_manifest, write_index
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
    """Every clause of every document, tagged, with a record of each document (`record`: its
    DocumentRecord, editions linked across the corpus)."""
    vocabulary = default_vocabulary()
    clauses: list[Clause] = []
    documents: dict[str, dict] = {}
    refs_by_doc: dict[str, list[str]] = {}
    entries = list_documents(corpus_dir)
    if not entries:
        raise BadInput(f"{corpus_dir}: no documents in the corpus (add one with: policykb add FILE)")
    for entry in entries:
        doc = entry.load()
        doc_clauses = segment_document(doc)
        for clause in doc_clauses:
            clause.tags = tag_clause(clause, vocabulary)
        clauses.extend(doc_clauses)
        record = build_record(entry.doc_id, doc.title, doc.text, doc.meta, entry.path.name)
        refs_by_doc[entry.doc_id] = [ref for clause in doc_clauses for ref in clause.refs]
        documents[entry.doc_id] = {"hash": entry.content_hash, "title": doc.title, "clauses": len(doc_clauses),
                                   "file": entry.path.name, "meta": doc.meta, "record": record}
    records = link_editions([d["record"] for d in documents.values()])
    link_references(records, refs_by_doc)
    for rec in documents.values():
        rec["record"] = rec["record"].to_json()
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


def build_index(corpus_dir: Path, index_dir: Path, encoder_name: str | None = None,
                progress: Progress | None = None) -> BuildReport:
    """Build under the library's writer lock (re-entrant: a library change already holds it)."""
    from .transaction import writer

    with writer(index_dir, what="build"):
        return _build_index(corpus_dir, index_dir, encoder_name, progress)


def _build_index(corpus_dir: Path, index_dir: Path, encoder_name: str | None,
                 progress: Progress | None) -> BuildReport:
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if encoder_name is None:
        try:
            encoder_name = read_manifest(index_dir)["encoder"]["name"] if index_exists(index_dir) else DEFAULT_ENCODER
        except IndexUnusable:
            encoder_name = DEFAULT_ENCODER
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
        "backend": "local",
        "documents": documents,
    }
    write_index(index_dir, manifest, clauses, bm25, vectors, build_faiss(vectors))
    say("writing", 1, 1)
    return BuildReport(len(documents), len(clauses), len(todo), len(clauses) - len(todo), index_dir)
