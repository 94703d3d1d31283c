"""Deciding whether the documents cover a question, from evidence rather than word lists.

Each question gets a few measurements of how well the retrieved clauses and the sentences the answer
would quote speak of it — none tied to a document, a topic or a known question:

- `salient_cited`: the share of the question's salient content (IDF-weighted: rare words say more of
  what is asked than 贫困户 does; a word no document uses weighs most) that the cited sentences and their
  headings contain, a question word counted as found when the plan wording its alias expands to is;
- `salient_top`: the same share over the three best clauses as a whole;
- `answer_sentence`: the same share in the single best quoted sentence (with its clause's heading) that
  states the kind of fact asked for — a figure for 多少, a date or deadline for 什么时候 — or any quoted
  sentence when no such kind is asked: the words of a near miss are spread over sentences about other things;
- `subject_cited`: whether the question's most salient word (its likeliest subject) is in the cited text;
- `unknown_share`: the salient weight of the nouns no document, synonym or concept knows (新冠, 公积金);
- `dense_z`: how far the best clause's similarity to the question (in the encoder's space) stands out of
  the first hundred, in standard deviations: a question about nothing in the documents finds many clauses
  equally, weakly similar, whatever the corpus (the raw similarity, `dense_top`, is kept in the answer's
  signals but not weighed: its scale depends on the corpus — it measured no better in cross-validation);
- `lead_dense`: the similarity of the clause the answer leads with (the lowest of the first hundred when it is
  not among them): an answer led by a clause the encoder finds far from the question is a guess;
- `agreement`: how far the keyword and the dense rankings agree (shared clauses in their top 10).

A logistic model turns them into the probability that the documents speak of what is asked; its
weights and the operating threshold are learned on a calibration split (`python -m eval.calibrate`)
and kept in the reviewed data file `qa/coverage_model.json`, never in code. Whether the kind of fact
asked for (an amount, a phone number…) is stated is a separate, logical test (qa/abstain.py); the two
together give the three outcomes (answered, partial, not covered).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from indexer.normalize import normalize_uncached

from .facts import states_figure, states_time

MODEL_FILE = Path(__file__).with_name("coverage_model.json")
FEATURES = ("salient_cited", "salient_top", "answer_sentence", "subject_cited", "unknown_share", "dense_z",
            "lead_dense", "agreement")
AGREEMENT_DEPTH = 10
DENSE_SPREAD_DEPTH = 100   # how many dense scores `dense_z` compares the best one with


@dataclass(frozen=True)
class CoverageFeatures:
    salient_cited: float
    salient_top: float
    subject_cited: float
    unknown_share: float
    answer_sentence: float
    dense_top: float
    dense_z: float
    lead_dense: float
    agreement: float
    contrary: float = 0.0     # 1.0 when the cited clauses qualify the question's subject otherwise (a gate, not weighed)

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in FEATURES]

    def to_json(self) -> dict:
        return {k: round(v, 4) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class CoverageModel:
    weights: dict[str, float]
    bias: float
    threshold: float          # covered when the probability is at least this
    means: dict[str, float]   # features are standardised with the calibration split's means and scales
    scales: dict[str, float]
    provenance: dict

    def probability(self, features: CoverageFeatures) -> float:
        return covered_probability(features.vector(), [self.weights[f] for f in FEATURES], self.bias,
                                   [self.means[f] for f in FEATURES], [self.scales[f] for f in FEATURES])


def covered_probability(x: list[float], weights: list[float], bias: float, means: list[float],
                        scales: list[float]) -> float:
    """σ(bias + Σ wᵢ·(xᵢ − meanᵢ)/scaleᵢ)."""
    z = bias + sum(w * (v - m) / (s or 1.0) for v, w, m, s in zip(x, weights, means, scales))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def model_from_json(data: dict) -> CoverageModel:
    missing = [f for f in FEATURES if f not in data.get("weights", {})]
    if missing:
        raise ValueError(f"coverage model lacks weights for {', '.join(missing)}")
    return CoverageModel(weights={f: float(data["weights"][f]) for f in FEATURES}, bias=float(data["bias"]),
                         threshold=float(data["threshold"]),
                         means={f: float(data["means"][f]) for f in FEATURES},
                         scales={f: float(data["scales"][f]) for f in FEATURES},
                         provenance=data.get("provenance", {}))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> CoverageModel:
    return model_from_json(json.loads(Path(path).read_text(encoding="utf-8")))


# --- the measurements (pure functions) --------------------------------------------------------
UNKNOWN_WORD_WEIGHT = 0.25  # a word no document uses that is not a noun (下雨, 要罚): speech, or a tokeniser's cut


def content_weights(tokens: list[str], idf: dict[str, float], unknown: set[str],
                    asking: frozenset[str] = frozenset()) -> dict[str, float]:
    """Salience of each content word of the question: its IDF share of the rarest word's; 1.0 for a noun
    no document uses (nothing is more specific than a thing the documents never name), less for another
    word they never use. Words that ask (`asking`: 多少钱, 几个) and single characters say nothing of what
    is asked about and are left out (single characters unless nothing else is there)."""
    top = max(idf.values(), default=1.0) or 1.0
    words = [t for t in dict.fromkeys(tokens) if len(t) > 1 and not any(t in a for a in asking)] \
        or list(dict.fromkeys(tokens))
    out: dict[str, float] = {}
    for word in words:
        if word in idf:
            out[word] = idf[word] / top
        else:
            out[word] = 1.0 if any(word in u or u in word for u in unknown) or not idf else UNKNOWN_WORD_WEIGHT
    # a word inside a longer word of the question (扶贫 in 电商扶贫) is counted with it, not again
    return {w: v for w, v in out.items() if not any(w != o and w in o for o in out)} or out


def found_share(weights: dict[str, float], text: str, wordings: dict[str, list[str]]) -> float:
    """The weighted share of the question's words that `text` contains, in their own or an alias's
    plan wording (`wordings`: question word → plan wordings it stands for)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = sum(v for w, v in weights.items() if w in text or any(t in text for t in wordings.get(w, ())))
    return found / total


def ranking_agreement(bm25_ids: list[str], dense_ids: list[str], depth: int = AGREEMENT_DEPTH) -> float:
    """Share of the keyword ranking's first `depth` clauses that the dense ranking also puts in its first `depth`."""
    if not bm25_ids or not dense_ids:
        return 0.0
    return len(set(bm25_ids[:depth]) & set(dense_ids[:depth])) / depth


def measure(weights: dict[str, float], idf: dict[str, float], unexplained: list[str],
            wordings: dict[str, list[str]], cited_text: str, top_text: str, sentences: list[str],
            dense_scores: list[float], bm25_ids: list[str], dense_ids: list[str], lead_id: str = "",
            question: str = "") -> CoverageFeatures:
    """The coverage features of one question (`weights`: its salient content, `content_weights`; texts
    already normalised; `sentences`: the quoted sentences that state the kind of fact asked for, each with its
    clause's heading; `dense_scores` and `dense_ids`: the dense ranking, best first; `lead_id`: the clause the
    answer leads with; `question`: its normalised text)."""
    total = sum(weights.values()) or 1.0
    subject = max(weights, key=lambda w: (weights[w], len(w), w), default="")
    subject_found = bool(subject) and (subject in cited_text or any(t in cited_text for t in wordings.get(subject, ())))
    unknown_weight = sum(v for w, v in weights.items() if any(u in w or w in u for u in unexplained))
    return CoverageFeatures(salient_cited=found_share(weights, cited_text, wordings),
                            salient_top=found_share(weights, top_text, wordings),
                            subject_cited=1.0 if subject_found else 0.0,
                            unknown_share=min(1.0, unknown_weight / total),
                            answer_sentence=max((found_share(weights, s, wordings) for s in sentences), default=0.0),
                            dense_top=dense_scores[0] if dense_scores else 0.0,
                            dense_z=standing_out(dense_scores),
                            lead_dense=lead_similarity(lead_id, dense_ids, dense_scores),
                            agreement=ranking_agreement(bm25_ids[:AGREEMENT_DEPTH], dense_ids[:AGREEMENT_DEPTH]),
                            contrary=1.0 if contrary_qualifiers(weights, unexplained, cited_text, idf, wordings, question)
                            else 0.0)


def contrary_qualifiers(weights: dict[str, float], unexplained: list[str], cited_text: str, terms,
                        wordings: dict[str, list[str]], question: str) -> list[tuple[str, str]]:
    """(question's qualifier, the clauses' term) where the question qualifies a thing with a noun no document
    knows and the cited clauses speak of the same thing qualified otherwise: 城镇职工养老保险 asked, only
    城乡居民养老保险 cited. The clauses' qualifier must be as long as the question's (a sibling, not a
    longer name of the same thing) and not itself a word of the question (住院押金 answers 住院…先交押金);
    the question's qualifier must stand right before the thing (城镇职工养老保险, not 有户去年刚脱贫)."""
    def found(word: str) -> bool:
        return word in cited_text or any(t in cited_text for t in wordings.get(word, ()))

    words = list(weights)
    out = []
    for qualifier, head in zip(words, words[1:]):
        if len(qualifier) < 2 or len(head) < 2 or qualifier + head not in question or found(qualifier) or not found(head):
            continue
        if not any(u in qualifier or qualifier in u for u in unexplained):
            continue
        for term in sorted(t for t in terms if len(t) == len(qualifier) + len(head) and t.endswith(head)):
            if term in cited_text and term[:len(qualifier)] not in question:
                out.append((qualifier, term))
                break
    return out


def question_wordings(tokens: list[str], expansions: dict[str, str], tokenize) -> dict[str, list[str]]:
    """Question word → the plan wordings of the aliases it is part of (看病 → 就医, 医疗 …)."""
    out: dict[str, list[str]] = {}
    for target, alias in expansions.items():
        for word in tokens:
            if word in alias or alias in word:
                out.setdefault(word, []).append(target)
                out[word] += [t for t in tokenize(target) if len(t) > 1 and t not in out[word]]
    return out


def lead_similarity(lead_id: str, dense_ids: list[str], dense_scores: list[float]) -> float:
    """The dense similarity of the lead clause; the lowest score listed when it is not among them."""
    if not dense_scores:
        return 0.0
    return dense_scores[dense_ids.index(lead_id)] if lead_id in dense_ids else min(dense_scores)


def standing_out(scores: list[float]) -> float:
    """How many standard deviations the best score stands above the mean of all of them."""
    if len(scores) < 2:
        return 0.0
    mean = sum(scores) / len(scores)
    spread = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    return (scores[0] - mean) / spread if spread > 1e-9 else 0.0


def states_asked_kind(qtype: str, sentence: str) -> bool:
    """Whether a sentence states the kind of fact the question asks for: a figure for a number question,
    a date or deadline for a when question; any sentence for other questions."""
    if qtype == "number":
        return states_figure(sentence)
    if qtype == "when":
        return states_time(sentence)
    return True


def cited_text_of(citations, answer_text: str) -> str:
    """What the answer quotes, with the titles and headings of the clauses it cites (they say what it is about)."""
    heads = " ".join(" ".join([c.clause.doc_title, *c.clause.path]) for c in citations)
    return normalize_uncached(answer_text + " " + heads)


def decide_outcome(features: CoverageFeatures, sig, model: CoverageModel) -> tuple[str, float]:
    """(outcome, probability that the documents speak of what is asked).

    Not covered: a year, plan period or province no document mentions is asked about, the best clauses
    share nothing with the question but the place it names (qa.abstain.only_places_found), they qualify
    its subject otherwise (`contrary_qualifiers`: 城乡居民养老保险 for 城镇职工养老保险), or the evidence
    says the clauses are not about the question. Partial: they are about it, but the kind of fact asked
    for (an amount, a phone number…) is stated nowhere in them. Answered otherwise."""
    probability = model.probability(features)
    if (sig.unknown_years or sig.unknown_places or getattr(sig, "place_only", None) or features.contrary
            or probability < model.threshold):
        return "not_covered", probability
    if sig.unmet_answer_type:
        return "partial", probability
    return "answered", probability
