"""Normalisation for matching only (never for what is shown or quoted).

NFKC folds full-width digits, letters and punctuation to half-width; traditional characters are
mapped to simplified; Latin letters are lower-cased.  The length of the text may change.
"""
from __future__ import annotations

import functools
import unicodedata

import zhconv


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return zhconv.convert(folded, "zh-hans").lower()


def normalize_uncached(text: str) -> str:
    """For long texts (whole clauses) that would only pollute the cache."""
    return zhconv.convert(unicodedata.normalize("NFKC", text), "zh-hans").lower()
