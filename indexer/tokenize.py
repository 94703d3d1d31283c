"""Tokenising for BM25: normalise, cut with jieba (plus the domain dictionary), drop stop words."""
from __future__ import annotations

import logging
import re

import jieba

from .normalize import normalize, normalize_uncached
from .vocabulary import Vocabulary, default_vocabulary

jieba.setLogLevel(logging.WARNING)
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


class Tokenizer:
    """jieba's search-mode cut with the domain dictionary; deterministic for a given vocabulary."""

    def __init__(self, vocabulary: Vocabulary | None = None, use_domain_terms: bool = True, use_stopwords: bool = True):
        self.vocabulary = vocabulary or default_vocabulary()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        if use_domain_terms:
            for term, freq in self.vocabulary.terms.items():
                self._jieba.add_word(term, freq)
        self._stop = self.vocabulary.stopwords if use_stopwords else frozenset()
        self._pos = None

    def tokenize(self, text: str, normalized: bool = False) -> list[str]:
        if not normalized:
            text = normalize(text) if len(text) < 200 else normalize_uncached(text)
        return [t for t in self._jieba.cut_for_search(text)
                if t.strip() and _WORDLIKE.search(t) and t not in self._stop]

    def words(self, text: str) -> list[str]:
        """Plain (non search-mode) cut of already-normalised text, stop words kept."""
        return [t for t in self._jieba.lcut(text) if t.strip()]

    def known_word(self, word: str) -> bool:
        """Whether the dictionary (jieba's and the domain terms) holds the word, rather than the tagger's
        guess for characters it had no word for."""
        return bool(self._jieba.FREQ.get(word))

    def tagged_words(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) pairs of already-normalised text, with the domain dictionary."""
        if self._pos is None:
            from jieba import posseg

            self._pos = posseg.POSTokenizer(self._jieba)
        return [(p.word, p.flag) for p in self._pos.lcut(text) if p.word.strip()]


_default: Tokenizer | None = None


def default_tokenizer() -> Tokenizer:
    global _default
    if _default is None:
        _default = Tokenizer()
    return _default
