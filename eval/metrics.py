"""Evaluation metrics: pure functions of rankings, answers and gold data.

Relevance is binary: a clause is relevant when its id is in the question's `gold`. Retrieval and
answer metrics are averaged over in-scope questions (every type but `out_of_scope`); abstention
metrics treat `out_of_scope` as the positive class. A metric with nothing to average over is None.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from indexer.normalize import normalize, normalize_uncached

from .dataset import EDITION, OUT_OF_SCOPE

RECALL_KS = (1, 3, 5, 10)
MRR_K = 10
NDCG_K = 10


@dataclass
class Outcome:
    """What one system did with one question."""

    qid: str
    type: str
    persona: str
    gold: list[str]
    facts: list[str]
    ranked: list[str]                      # clause ids, best first
    answer: str = ""
    abstained: bool = False
    cited: list[str] = field(default_factory=list)
    latency_ms: float = 0.0                # kb.ask, measured, its query embedding(s) not cached
    search_ms: float = 0.0                 # ranking only, query embedding(s) cached by the ask before it
    # many-document sets: which document must lead, whose region the asker is in, and where the
    # citations came from (doc ids and those documents' regions, "全国" for national ones)
    expect_doc: str | None = None
    region: str | None = None              # the asker's region, full name (辽宁省)
    region_in_library: bool = True         # whether any indexed document is of that region
    cited_docs: list[str] = field(default_factory=list)
    cited_regions: list[str] = field(default_factory=list)
    region_province: str | None = None     # the province of the asker's region
    cited_provinces: list[str] = field(default_factory=list)  # the province of each cited document ("全国")
    cited_header: bool = False             # a document's header (title, history lines) was cited
    outcome: str = ""                      # "answered" | "partial" | "not_covered" ("" when refused as bad input)
    coverage: float | None = None          # the coverage model's P(covered) (qa/coverage.py)
    gated: bool = False                    # not covered whatever the model says (a year, province… no document names)
    unmet: str | None = None               # the asked-for kind of fact the clauses do not state (partial if covered)

    @property
    def out_of_scope(self) -> bool:
        return self.type == OUT_OF_SCOPE


# --- retrieval ------------------------------------------------------------------------------
def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Share of the gold clauses found among the first k."""
    gold = set(gold)
    if not gold:
        raise ValueError("recall needs at least one gold id")
    return len(gold.intersection(ranked[:k])) / len(gold)


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = MRR_K) -> float:
    """1/rank of the first gold clause within the first k, else 0."""
    gold = set(gold)
    for rank, clause_id in enumerate(ranked[:k], 1):
        if clause_id in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = NDCG_K) -> float:
    """Binary-relevance nDCG: DCG of the first k over the DCG of a perfect ranking."""
    gold = set(gold)
    if not gold:
        raise ValueError("nDCG needs at least one gold id")
    seen: set[str] = set()
    dcg = 0.0
    for rank, clause_id in enumerate(ranked[:k], 1):
        if clause_id in gold and clause_id not in seen:  # a repeated id earns nothing twice
            dcg += 1.0 / math.log2(rank + 1)
        seen.add(clause_id)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


# --- answers --------------------------------------------------------------------------------
def facts_found(answer: str, facts: Iterable[str]) -> list[bool]:
    """For each fact, whether it appears in the answer once both are normalised."""
    text = normalize(answer) if len(answer) < 200 else normalize_uncached(answer)
    return [normalize(f) in text for f in facts]


def fact_correct(answer: str, facts: Iterable[str]) -> bool:
    """An answer is correct when it states every fact."""
    return all(facts_found(answer, facts))


def citation_precision(cited: Sequence[str], gold: Iterable[str]) -> float:
    """Share of cited clauses that are gold; an answer citing nothing supports nothing (0)."""
    if not cited:
        return 0.0
    gold = set(gold)
    return sum(1 for c in cited if c in gold) / len(cited)


def abstention_precision_recall(abstained: Sequence[bool], should_abstain: Sequence[bool]) -> tuple[float | None, float | None]:
    """Precision and recall of abstaining, the positive class being "should abstain" (out of scope)."""
    if len(abstained) != len(should_abstain):
        raise ValueError("abstained and should_abstain differ in length")
    true_pos = sum(1 for a, s in zip(abstained, should_abstain) if a and s)
    predicted = sum(1 for a in abstained if a)
    actual = sum(1 for s in should_abstain if s)
    return (true_pos / predicted if predicted else None, true_pos / actual if actual else None)


# --- editions and regions ---------------------------------------------------------------------
NATIONAL = "全国"


def edition_correct(o: Outcome) -> bool:
    """The first citation is from the edition the question must be answered from (expect_doc)."""
    return bool(o.cited_docs) and o.cited_docs[0] == o.expect_doc


def region_correct(o: Outcome) -> bool:
    """The first citation is from the expected document when one is given, else from a document of the
    asker's region — or a national one when the library holds nothing of that region."""
    if not o.cited_docs:
        return False
    if o.expect_doc:
        return o.cited_docs[0] == o.expect_doc
    first = o.cited_regions[0] if o.cited_regions else None
    return first == o.region or (not o.region_in_library and first == NATIONAL)


def foreign_lead(o: Outcome) -> bool:
    """The first citation is another province's rule (neither national nor of the asker's province)."""
    if not o.cited_provinces or not o.region_province:
        return False
    return o.cited_provinces[0] not in (NATIONAL, o.region_province)


# --- latency --------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


# --- one system over a question set ---------------------------------------------------------
def summarize(outcomes: Sequence[Outcome]) -> dict:
    """Every metric for one system over the given outcomes (in the INTERFACE.md key names)."""
    in_scope = [o for o in outcomes if not o.out_of_scope]
    ranked_on = [o for o in in_scope if o.gold]
    with_facts = [o for o in in_scope if o.facts]
    answered = [o for o in in_scope if not o.abstained]
    out: dict = {"n": len(outcomes), "n_in_scope": len(in_scope), "n_out_of_scope": len(outcomes) - len(in_scope)}
    for k in RECALL_KS:
        out[f"recall@{k}"] = mean(recall_at_k(o.ranked, o.gold, k) for o in ranked_on)
    out[f"mrr@{MRR_K}"] = mean(reciprocal_rank(o.ranked, o.gold, MRR_K) for o in ranked_on)
    out[f"ndcg@{NDCG_K}"] = mean(ndcg_at_k(o.ranked, o.gold, NDCG_K) for o in ranked_on)
    out["fact_accuracy"] = mean(1.0 if fact_correct(o.answer, o.facts) else 0.0 for o in with_facts)
    out["fact_recall"] = mean(x for o in with_facts for x in map(float, facts_found(o.answer, o.facts)))
    out["citation_precision"] = mean(citation_precision(o.cited, o.gold) for o in answered if o.gold)
    precision, recall = abstention_precision_recall([o.abstained for o in outcomes], [o.out_of_scope for o in outcomes])
    out["abstain_precision"], out["abstain_recall"] = precision, recall
    out["false_abstentions"] = len(in_scope) - len(answered)
    editions = [o for o in in_scope if o.type == EDITION and o.expect_doc]
    regional = [o for o in in_scope if o.region]
    out["edition_accuracy"] = mean(1.0 if edition_correct(o) else 0.0 for o in editions)
    out["region_accuracy"] = mean(1.0 if region_correct(o) else 0.0 for o in regional)
    out["n_edition"], out["n_region"] = len(editions), len(regional)
    out["region_foreign_leads"] = sum(1 for o in regional if foreign_lead(o))
    out["header_citations"] = sum(1 for o in outcomes if o.cited_header)
    out["false_abstention_rate"] = out["false_abstentions"] / len(in_scope) if in_scope else None
    out["outcomes"] = outcome_counts(outcomes)
    latencies = [o.latency_ms for o in outcomes]
    out["latency_p50_ms"], out["latency_p95_ms"] = percentile(latencies, 50), percentile(latencies, 95)
    out["search_p50_ms"] = percentile([o.search_ms for o in outcomes], 50)
    return out


OUTCOMES = ("answered", "partial", "not_covered")


def outcome_counts(outcomes: Sequence[Outcome]) -> dict:
    """How many questions got each outcome, in scope and out of scope (a refused question is not covered)."""
    counts = {}
    for scope, group in (("in_scope", [o for o in outcomes if not o.out_of_scope]),
                         ("out_of_scope", [o for o in outcomes if o.out_of_scope])):
        found = [o.outcome or ("not_covered" if o.abstained else "answered") for o in group]
        counts[scope] = {k: found.count(k) for k in OUTCOMES}
    return counts


def coverage_curve(outcomes: Sequence[Outcome], thresholds: Sequence[float] | None = None) -> list[dict]:
    """Abstention precision and recall, and the false-abstention rate, as the coverage threshold moves:
    at threshold t a question is abstained on when it is gated, its P(covered) is below t, or the kind of
    fact it asks for is unmet (partial). Questions refused as bad input abstain at every threshold."""
    probs = [o.coverage for o in outcomes]
    if thresholds is None:
        thresholds = sorted({0.0, 1.0} | {round(p, 4) for p in probs if p is not None})
    should = [o.out_of_scope for o in outcomes]
    n_in = sum(1 for s in should if not s)
    points = []
    for t in thresholds:
        abstained = [o.coverage is None or o.gated or bool(o.unmet) or o.coverage < t for o in outcomes]
        precision, recall = abstention_precision_recall(abstained, should)
        false = sum(1 for a, s in zip(abstained, should) if a and not s)
        points.append({"threshold": t, "abstain_precision": precision, "abstain_recall": recall,
                       "false_abstention_rate": false / n_in if n_in else None})
    return points


def breakdown(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> dict[str, dict]:
    """`summarize` per group (by type, by persona …), groups in order of first appearance."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(key(o), []).append(o)
    return {name: summarize(group) for name, group in groups.items()}


def recall_curve(outcomes: Sequence[Outcome], max_k: int = 10) -> list[float]:
    """Mean Recall@k for k = 1 … max_k over the in-scope questions with gold (for the plot)."""
    ranked_on = [o for o in outcomes if not o.out_of_scope and o.gold]
    if not ranked_on:
        return []
    return [mean(recall_at_k(o.ranked, o.gold, k) for o in ranked_on) for k in range(1, max_k + 1)]
