"""The plain BM25 baseline: what an off-the-shelf approach gets on the same clauses.

rank-bm25's BM25Okapi (default k1=1.5, b=0.75) over jieba's default dictionary cut of each
clause's text: no normalisation, no domain dictionary, no synonyms, no stop words; only tokens
made of punctuation or whitespace are dropped. The engine's own "bm25" mode is deliberately not
used here: it has the domain dictionary, stop words and synonym expansion.
"""
from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence

import jieba
import numpy as np
from rank_bm25 import BM25Okapi

jieba.setLogLevel(logging.WARNING)


def is_noise(token: str) -> bool:
    """True for a token made only of whitespace and punctuation (and other symbols)."""
    return all(ch.isspace() or unicodedata.category(ch)[0] in "PSZC" for ch in token)


class PlainBM25:
    def __init__(self, clause_ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(clause_ids) != len(texts):
            raise ValueError("clause_ids and texts differ in length")
        if not texts:
            raise ValueError("the plain BM25 baseline needs at least one clause")
        self._jieba = jieba.Tokenizer()  # a private instance: nobody's add_word reaches it
        self.clause_ids = list(clause_ids)
        self._bm25 = BM25Okapi([self.tokenize(t) or [""] for t in texts])

    @classmethod
    def from_clauses(cls, clauses) -> "PlainBM25":
        return cls([c.clause_id for c in clauses], [c.text for c in clauses])

    def tokenize(self, text: str) -> list[str]:
        return [t for t in self._jieba.lcut(text) if not is_noise(t)]

    def rank(self, question: str, k: int = 10) -> list[str]:
        """Clause ids by descending score, ties in index order; clauses sharing no word are left out."""
        tokens = self.tokenize(question)
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.clause_ids[i] for i in order if scores[i] > 0]
