"""Question analysis: validation, normalisation, synonym expansion, situation/condition/topic/type."""
from __future__ import annotations

import re

from indexer.errors import BadInput
from indexer.normalize import normalize
from indexer.tagging import concept_matches
from indexer.tokenize import Tokenizer
from indexer.vocabulary import Vocabulary

from .types import Analysis

MAX_QUESTION_CHARS = 500
_WORD = re.compile(r"[A-Za-z0-9\u3400-\u9fff\uf900-\ufaff]")
QTYPE_PRIORITY = ("number", "who", "when", "list", "yesno")


def validate_question(question: str | None) -> str:
    """The question stripped, or BadInput with what is wrong with it."""
    text = (question or "").strip()
    if not text:
        raise BadInput("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadInput(f"the question is {len(text)} characters long; ask in at most {MAX_QUESTION_CHARS}")
    if not _WORD.search(normalize(text)):
        raise BadInput("the question has no words in it (only punctuation, symbols or emoji)")
    return text


def expand(normalized: str, vocabulary: Vocabulary) -> list[str]:
    """Plan wording for the aliases the question contains, longest alias first, no repeats."""
    out: list[str] = []
    for alias in sorted(vocabulary.synonyms, key=len, reverse=True):
        if alias in normalized:
            for target in vocabulary.synonyms[alias]:
                if target not in normalized and target not in out:
                    out.append(target)
    return out


def _most_specific(matches: list[tuple[str, str, str]]) -> list[str]:
    """Labels, dropping one whose trigger lies inside another match's trigger (危房 inside D级危房)."""
    labels = []
    for kind, label, trigger in matches:
        if any(t != trigger and trigger in t for _, _, t in matches):
            continue
        if label not in labels:
            labels.append(label)
    return labels


def analyze_question(question: str, vocabulary: Vocabulary, tokenizer: Tokenizer,
                     corpus_terms: frozenset[str] = frozenset()) -> Analysis:
    text = validate_question(question)
    normalized = normalize(text)
    tokens = tokenizer.tokenize(normalized, normalized=True)
    expanded = expand(normalized, vocabulary)
    scope = normalized + " " + " ".join(expanded)
    matches = concept_matches(scope, vocabulary, ("situation", "condition", "topic"))
    by_kind = {k: _most_specific([m for m in matches if m[0] == k]) for k in ("situation", "condition", "topic")}
    qtypes = {label for kind, label, _ in concept_matches(normalized, vocabulary, ("qtype",))}
    qtype = next((q for q in QTYPE_PRIORITY if q in qtypes), "other")
    return Analysis(question=text, normalized=normalized, tokens=tokens, expanded_terms=expanded,
                    profile=by_kind["situation"], conditions=by_kind["condition"], topics=by_kind["topic"],
                    qtype=qtype, unknown_terms=unknown_terms(normalized, tokenizer, vocabulary, corpus_terms))


def unknown_terms(normalized: str, tokenizer: Tokenizer, vocabulary: Vocabulary, corpus_terms: frozenset[str]) -> list[str]:
    """Content words of the question that neither the corpus nor the vocabulary knows.

    A question about 深圳 or 公积金 names things the indexed documents never mention: the strongest
    sign that they cannot answer it.
    """
    if not corpus_terms:
        return []
    known_aliases = vocabulary.synonyms.keys()
    out = []
    for word in tokenizer.words(normalized):
        if len(word) < 2 or not _WORD.search(word) or word in vocabulary.stopwords:
            continue
        if word in corpus_terms or any(word in a for a in known_aliases):
            continue
        # a word whose every search-mode piece is known is not unknown (重特大疾病 → 重特大, 疾病)
        pieces = [p for p in tokenizer.tokenize(word, normalized=True) if p != word]
        if pieces and all(p in corpus_terms for p in pieces):
            continue
        if word.isdigit():
            continue
        out.append(word)
    return out
