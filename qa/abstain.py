"""Deciding that the indexed documents do not answer a question.

Signals, all computed from the question and the hits (never from known questions):
- unknown terms: content words of the question that no indexed document uses (深圳, 公积金 …);
- term coverage: the share of the question's own words found in the best clauses;
- dense similarity of the best clause.
Thresholds are calibrated on the evaluation set (`policykb eval` reports abstention precision/recall).
"""
from __future__ import annotations

from dataclasses import dataclass

from indexer.normalize import normalize_uncached

from .types import Analysis, Hit

# Calibrated on eval/questions.jsonl (see eval/README.md); raise MIN_DENSE to abstain more often.
MIN_DENSE = 0.80          # below this best-clause similarity nothing is close enough
WEAK_DENSE = 0.845        # with unknown terms, the best clause must be at least this similar
MIN_COVERAGE = 0.34       # share of the question's words the best clauses must contain


@dataclass
class AbstainSignals:
    dense_top: float
    coverage: float
    unknown: list[str]

    def to_json(self) -> dict:
        return {"dense_top": round(self.dense_top, 4), "coverage": round(self.coverage, 3), "unknown": self.unknown}


def signals(analysis: Analysis, hits: list[Hit], dense_top: float) -> AbstainSignals:
    words = [t for t in analysis.tokens if len(t) > 1] or analysis.tokens
    if not words or not hits:
        coverage = 0.0 if hits == [] else 1.0
    else:
        text = normalize_uncached(" ".join(" ".join(h.clause.path) + h.clause.text for h in hits[:3]))
        coverage = sum(1 for w in words if w in text) / len(words)
    return AbstainSignals(dense_top, coverage, list(analysis.unknown_terms))


def should_abstain(s: AbstainSignals, has_concepts: bool) -> bool:
    if s.dense_top < MIN_DENSE:
        return True
    if s.unknown and (s.dense_top < WEAK_DENSE or s.coverage < MIN_COVERAGE):
        return True
    if s.coverage < MIN_COVERAGE and not has_concepts:
        return True
    return False
