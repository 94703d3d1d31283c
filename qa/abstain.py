"""Deciding that the indexed documents do not answer a question.

Signals, all computed from the question, the corpus and the hits (never from known questions):
- the expected answer type: a question asking for an amount of money, a percentage or a score
  is not answered by clauses that state no such figure;
- years the question names that no indexed document mentions (2023年的新政策);
- unexplained nouns: things the question is about that no document, synonym or concept knows
  (新冠, 公积金, 购车), weighed against how much of the question the best clauses cover.
Thresholds are calibrated on the evaluation set (`policykb eval` reports abstention precision/recall).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.normalize import normalize_uncached

from .types import Analysis, Hit

# Calibrated on eval/questions.jsonl; a lower MIN_COVERAGE abstains less often.
MIN_COVERAGE = 0.5        # with unexplained nouns, the best clauses must cover this share of the question
MIN_DENSE = 0.80          # below this best-clause similarity nothing is close enough

_QUANTITY = r"(多少|几|若干|什么标准|啥标准|标准是)"
# (name, question asks for it, evidence a clause must show)
ANSWER_TYPES = (
    ("money", re.compile(rf"(钱|元|块|工资|薪|金额|额度|租金|费用|价格|补贴标准|补助标准).{{0,6}}{_QUANTITY}"
                         rf"|{_QUANTITY}.{{0,4}}(钱|元|块|工资|金额)|(补|补助|补贴|发|给|领|贷|借)(多少|几)(?!个|人|户|次|项|年)"),
     re.compile(r"\d[\d.,]*\s*(万|亿|千)?元")),
    ("percent", re.compile(r"百分之几|百分之多少|几成|(比例|比率|百分比|利率|利息|费率).{0,8}(多少|几)|(多少|几).{0,4}(%|百分)"),
     re.compile(r"\d[\d.]*\s*%|百分之[\d一二三四五六七八九十百]+")),
    ("score", re.compile(r"(加|降|减)(多少|几)分|几分(加分|录取)?$|多少分"),
     re.compile(r"\d+\s*分")),
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


@dataclass
class AbstainSignals:
    coverage: float
    dense_top: float
    unexplained: list[str] = field(default_factory=list)
    anchored: bool = False   # the question names a household situation/condition or uses a known alias
    unmet_answer_type: str | None = None
    unknown_years: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"coverage": round(self.coverage, 3), "dense_top": round(self.dense_top, 4),
                "unexplained": self.unexplained, "unmet_answer_type": self.unmet_answer_type,
                "unknown_years": self.unknown_years, "anchored": self.anchored}


def answer_type(question: str) -> tuple[str, re.Pattern] | None:
    for name, asks, evidence in ANSWER_TYPES:
        if asks.search(question):
            return name, evidence
    return None


def signals(analysis: Analysis, hits: list[Hit], dense_top: float, corpus_years: frozenset[str],
            explained: set[str]) -> AbstainSignals:
    """Everything `should_abstain` decides on; `explained` are question words a synonym or concept covers."""
    top_text = normalize_uncached(" ".join(" ".join(h.clause.path) + h.clause.text for h in hits[:3]))
    words = [t for t in analysis.tokens if len(t) > 1] or analysis.tokens
    covered = [w for w in words if w in top_text or w in explained]
    coverage = len(covered) / len(words) if words else 0.0
    unmet = None
    wanted = answer_type(analysis.normalized)
    if wanted and not wanted[1].search(top_text):
        unmet = wanted[0]
    years = [y for y in _YEAR.findall(analysis.normalized) if y not in corpus_years]
    unexplained = [w for w in analysis.unknown_terms if w not in explained]
    anchored = bool(analysis.profile or analysis.conditions or analysis.expanded_terms)
    return AbstainSignals(coverage=coverage, dense_top=dense_top, unexplained=unexplained,
                          unmet_answer_type=unmet, unknown_years=years, anchored=anchored)


def should_abstain(s: AbstainSignals) -> bool:
    if s.unmet_answer_type or s.unknown_years:
        return True
    if s.dense_top < MIN_DENSE:
        return True
    # residents' own words (俺家小子, 身子骨) are unknown too: an unknown noun only counts against a
    # question that nothing else ties to the documents' vocabulary
    return bool(s.unexplained) and s.coverage < MIN_COVERAGE and not s.anchored
