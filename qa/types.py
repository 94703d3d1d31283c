"""Plain data passed between retrieval, answering and the presenters (CLI, UI, HTTP, eval)."""
from __future__ import annotations

from dataclasses import dataclass, field

from indexer.clause import Clause


@dataclass
class Analysis:
    question: str
    normalized: str
    tokens: list[str]                        # BM25 tokens of the question itself
    expansions: dict[str, str]               # plan wording added by the synonym table → the alias it stands for
    profile: list[str] = field(default_factory=list)      # household situations (低保对象, 特困人员 …)
    conditions: list[str] = field(default_factory=list)   # conditions (D级危房, 大病 …)
    topics: list[str] = field(default_factory=list)       # benefit areas (医疗, 住房 …)
    needs: list[str] = field(default_factory=list)        # the topics asked for, not merely implied by a situation
    qtype: str = "other"                     # number | list | yesno | who | when | other
    unknown_terms: list[str] = field(default_factory=list)  # salient words the corpus never uses
    corrections: list[list[str]] = field(default_factory=list)  # [typo, fix] pairs applied to the question
    places: list[str] = field(default_factory=list)         # place names the question mentions (贵州, 阜新市)
    measured: list[str] = field(default_factory=list)       # what a figure is asked of (存款 in 存款超过多少)
    applied: list[str] = field(default_factory=list)        # what is asked how to apply for (残疾证 in 残疾证去哪儿办)

    @property
    def expanded_terms(self) -> list[str]:
        return list(self.expansions)

    def to_json(self) -> dict:
        return {"profile": self.profile, "conditions": self.conditions, "topics": self.topics, "needs": self.needs,
                "expanded_terms": self.expanded_terms, "qtype": self.qtype, "tokens": self.tokens,
                "unknown_terms": self.unknown_terms, "corrections": self.corrections, "places": self.places,
                "measured": self.measured, "applied": self.applied}


@dataclass
class Hit:
    clause: Clause
    score: float                 # the fused score used for ranking
    bm25_rank: int | None = None
    bm25_score: float = 0.0
    dense_rank: int | None = None
    dense_score: float = 0.0
    aspect: str = ""             # which aspect of the question retrieved it (multi-aspect answers)

    def to_json(self) -> dict:
        return {"clause_id": self.clause.clause_id, "score": round(self.score, 6),
                "bm25_rank": self.bm25_rank, "bm25_score": round(self.bm25_score, 6),
                "dense_rank": self.dense_rank, "dense_score": round(self.dense_score, 6), "aspect": self.aspect}


@dataclass
class Citation:
    rank: int
    clause: Clause
    highlights: list[tuple[int, int]]
    score: float
    aspect: str = ""
    # set by qa.documents.Library.describe: the document's card, "《…》第十一条 · 文号 · 现行有效", and the
    # documents the clause refers to ([{"ref", "doc_id" or None}])
    document: dict | None = None
    label: str = ""
    refs: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        c = self.clause
        return {"rank": self.rank, "clause_id": c.clause_id, "doc_id": c.doc_id, "doc_title": c.doc_title,
                "path": c.path, "kind": c.kind, "title": c.title, "text": c.text,
                "highlights": [list(h) for h in self.highlights], "score": round(self.score, 6),
                "aspect": self.aspect, "article": c.article, "document": self.document, "label": self.label,
                "refs": self.refs}


ANSWERED, PARTIAL, NOT_COVERED = "answered", "partial", "not_covered"
OUTCOMES = (ANSWERED, PARTIAL, NOT_COVERED)


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    analysis: Analysis
    id: str | None = None
    points: list[dict] = field(default_factory=list)  # structured answer lines: {"text", "refs", "aspect"}
    latency_ms: float = 0.0
    signals: dict = field(default_factory=dict)  # why it abstained or not (see qa/abstain.py, qa/coverage.py)
    outcome: str = ""        # "answered" | "partial" | "not_covered" (OUTCOMES); abstained == outcome != "answered"
    missing: str = ""        # for "partial": one sentence saying what the documents do not state

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = NOT_COVERED if self.abstained else ANSWERED
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        self.abstained = self.outcome != ANSWERED

    def to_json(self) -> dict:
        out = {"id": self.id, "question": self.question, "answer": self.answer, "abstained": self.abstained,
               "outcome": self.outcome, "missing": self.missing,
               "citations": [c.to_json() for c in self.citations], "analysis": self.analysis.to_json(),
               "points": self.points, "signals": self.signals, "latency_ms": round(self.latency_ms, 2)}
        return out

