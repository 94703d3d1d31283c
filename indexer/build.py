"""Building (or refreshing) the index from the corpus; only changed documents are re-embedded."""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import bm25s
import numpy as np

from .backend import BACKENDS
from .clause import Clause
from .corpus import list_documents
from .dense import build_faiss
from .encoders import DEFAULT_ENCODER, get_encoder
from .errors import BadInput, IndexUnusable
from .records import link_editions, link_references
from .ingest import CHECKPOINT_EVERY, EmbeddingCheckpoint, Unreadable, segment_entries, work_folder
from .store import index_exists, read_manifest, write_index, write_index_folder
from .termstats import term_stats_of
from .tokenize import Tokenizer, default_tokenizer

BM25_PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    documents: int
    clauses: int
    embedded: int
    reused: int
    index_dir: Path
    resumed: int = 0        # vectors taken from an interrupted build's checkpoint
    skipped: dict[str, str] = field(default_factory=dict)   # file → why it could not be read (left out)


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


class SegmentedCorpus(NamedTuple):
    clauses: list[Clause]
    documents: dict[str, dict]     # doc_id → the manifest's entry
    tokens: list[list[str]]        # each clause's BM25 tokens
    skipped: dict[str, str]        # file → why it could not be read


def segment_corpus(corpus_dir: Path, progress: Progress | None = None,
                   workers: int | None = None) -> tuple[list[Clause], dict[str, dict]]:
    """Every clause of every document, tagged, with a record of each document."""
    segmented = segment_corpus_with_tokens(corpus_dir, progress, workers)
    return segmented.clauses, segmented.documents


def segment_corpus_with_tokens(corpus_dir: Path, progress: Progress | None = None, workers: int | None = None,
                               skip_unreadable: bool = False) -> SegmentedCorpus:
    """Clauses, document records and each clause's BM25 tokens, documents parsed in parallel.

    A document that cannot be read (empty, header only, damaged) stops the build with its reason, unless
    `skip_unreadable`: then it is left out and named in `skipped`, so that one header-only law does not stop
    a collection of thousands (a corpus with no readable document at all is refused all the same)."""
    entries = list_documents(corpus_dir)
    if not entries:
        raise BadInput(f"{corpus_dir}: no documents in the corpus (add one with: policykb add FILE)")
    clauses: list[Clause] = []
    tokens: list[list[str]] = []
    documents: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    refs_by_doc: dict[str, list[str]] = {}
    shared: dict[str, str] = {}  # one string object per distinct token (unpickled tokens arrive as copies)
    for doc in segment_entries(entries, progress, workers):
        if isinstance(doc, Unreadable):
            if not skip_unreadable:
                raise BadInput(f"{doc.path}: {doc.reason} (build --skip-unreadable leaves such files out)")
            skipped[doc.name] = doc.reason
            continue
        clauses.extend(doc.clauses)
        tokens.extend([shared.setdefault(t, t) for t in clause_tokens] for clause_tokens in doc.tokens)
        documents[doc.doc_id] = doc.record
        refs_by_doc[doc.doc_id] = [ref for clause in doc.clauses for ref in clause.refs]
    # editions and references are linked across the whole corpus, once every record is read
    records = link_editions([d["record"] for d in documents.values()])
    link_references(records, refs_by_doc)
    for entry in documents.values():
        entry["record"] = entry["record"].to_json()
    if not documents:
        name, reason = next(iter(skipped.items()))
        raise BadInput(f"{corpus_dir}: no readable document in the corpus ({name}: {reason})")
    return SegmentedCorpus(clauses, documents, tokens, skipped)


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
                milvus_token: str | None = None, workers: int | None = None,
                checkpoint_every: int = CHECKPOINT_EVERY, embed_shard: tuple[int, int] | None = None,
                skip_unreadable: bool = False) -> BuildReport:
    """Build under the library's writer lock (re-entrant: a library change already holds it). Embedding
    workers (`embed_shard`) write only into the checkpoint, never the index, and run side by side."""
    args = (corpus_dir, index_dir, encoder_name, progress, backend, milvus_uri, milvus_token, workers,
            checkpoint_every, embed_shard, skip_unreadable)
    if embed_shard is not None:
        return _build_index(*args)
    from .transaction import writer

    with writer(index_dir, what="build"):
        return _build_index(*args)


def _build_index(corpus_dir: Path, index_dir: Path, encoder_name: str | None, progress: Progress | None,
                 backend: str | None, milvus_uri: str | None, milvus_token: str | None, workers: int | None,
                 checkpoint_every: int, embed_shard: tuple[int, int] | None,
                 skip_unreadable: bool = False) -> BuildReport:
    """Build (or refresh) the index. Encoder, backend and Milvus URI default to the current index's.

    Documents are parsed by up to `workers` processes (default: one per core, at most 4, for corpora of
    48 documents or more); embeddings are checkpointed every `checkpoint_every` clauses, so a build that
    is interrupted resumes where it stopped.

    `embed_shard=(i, k)` makes this process one of k embedding workers: it embeds the clauses whose
    position is i modulo k into the checkpoint and writes no index; a build afterwards (with the
    workers' checkpoint files in the same work folder) picks all of them up and embeds nothing again."""
    if embed_shard is not None and not (embed_shard[1] >= 1 and 0 <= embed_shard[0] < embed_shard[1]):
        raise BadInput(f"--embed-shard {embed_shard[0]}/{embed_shard[1]}: use I/K with 0 <= I < K")
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
    clauses, documents, tokens, skipped = segment_corpus_with_tokens(corpus_dir, say, workers, skip_unreadable)
    encoder = get_encoder(encoder_name)
    vectors, embedded, reused, resumed, checkpoint = _embed(clauses, documents, encoder, index_dir, say,
                                                            checkpoint_every, embed_shard)
    if embed_shard is not None:
        return BuildReport(len(documents), len(clauses), embedded, reused, index_dir, resumed, skipped)
    say("bm25", 0, 1)
    tokenizer = default_tokenizer()
    bm25 = make_bm25(tokens)
    del tokens
    say("bm25", 1, 1)
    say("writing", 0, 1)
    manifest = {
        "encoder": {"name": encoder.name, "version": encoder.version, "dim": encoder.dim},
        "dictionary_hash": tokenizer.vocabulary.digest,
        "tokenizer": "jieba cut_for_search + domain terms + stop words",
        "bm25": BM25_PARAMS,
        "backend": backend,
        "documents": documents,
        "skipped": skipped,
    }
    if backend == "local":
        write_index(index_dir, manifest, clauses, bm25, vectors, build_faiss(vectors))
    else:
        _write_milvus_index(index_dir, manifest, previous_manifest, clauses, documents, bm25, vectors,
                            milvus_uri, milvus_token, say)
    say("writing", 1, 1)
    checkpoint.clear()
    _remove_if_empty(work_folder(index_dir) / "embeddings")
    _remove_if_empty(work_folder(index_dir))
    return BuildReport(len(documents), len(clauses), embedded, reused, index_dir, resumed, skipped)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _embed(clauses: list[Clause], documents: dict[str, dict], encoder, index_dir: Path, say: Progress,
           checkpoint_every: int, shard: tuple[int, int] | None = None
           ) -> tuple[np.ndarray, int, int, int, EmbeddingCheckpoint]:
    """Every clause's vector: reused from the current index (unchanged documents), from an interrupted
    build's checkpoint, or embedded now in batches that are checkpointed as they finish."""
    texts = [passage_text(c) for c in clauses]
    previous = _previous_vectors(index_dir, encoder.name, encoder.dim, documents)
    checkpoint = EmbeddingCheckpoint(work_folder(index_dir) / "embeddings",
                                     f"{encoder.name}|{getattr(encoder, 'version', '')}|{encoder.dim}")
    finished = checkpoint.load()
    vectors = np.zeros((len(clauses), encoder.dim), dtype=np.float32)
    todo, reused, resumed = [], 0, 0
    for i, (clause, text) in enumerate(zip(clauses, texts)):
        old = previous.get(clause.clause_id)
        if old is not None and old[0] == text:
            vectors[i] = old[1]
            reused += 1
            continue
        done = finished.get(checkpoint.key(text)) if finished else None
        if done is not None and done.shape == (encoder.dim,):
            vectors[i] = done
            resumed += 1
        else:
            todo.append(i)
    del previous, finished
    if shard is not None:
        todo = [i for i in todo if i % shard[1] == shard[0]]
    batch = 16
    for start in range(0, len(todo), batch):
        say("embedding", start, len(todo))
        rows = todo[start:start + batch]
        batch_texts = [texts[i] for i in rows]
        vectors[rows] = encoder.encode_passages(batch_texts)
        checkpoint.add(batch_texts, vectors[rows], checkpoint_every)
    checkpoint.flush()
    say("embedding", len(todo), len(todo))
    return vectors, len(todo), reused, resumed, checkpoint


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
