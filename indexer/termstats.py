"""The corpus vocabulary and its document frequencies, as the question analysis reads them.

Stored in every index folder as `term_stats.json` whichever backend holds the postings, so that
`qa/` (IDF weights of question words, which words the documents use) never reads bm25s, faiss or
Milvus. Token ids are the BM25 vocabulary's: the Milvus backend's sparse vectors use the same ids.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILE = "term_stats.json"


@dataclass
class TermStats:
    num_docs: int
    tokens: list[str]          # token id → token
    df: list[int]              # token id → number of clauses using it
    ids: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    def idf_table(self) -> dict[str, float]:
        """token → Lucene idf, log(1 + (N − df + 0.5) / (df + 0.5)), as BM25 uses it."""
        n = float(self.num_docs)
        return {t: lucene_idf(n, float(d)) for t, d in zip(self.tokens, self.df)}

    def to_json(self) -> dict:
        return {"num_docs": self.num_docs, "tokens": self.tokens, "df": self.df}


def lucene_idf(num_docs: float, df: float) -> float:
    return float(np.log(1 + (num_docs - df + 0.5) / (df + 0.5)))


def term_stats_of(bm25) -> TermStats:
    """The stats of a built bm25s index: df = non-zero entries of the token's column."""
    indptr = np.asarray(bm25.scores["indptr"])
    tokens = [""] * (max(bm25.vocab_dict.values(), default=-1) + 1)
    for token, i in bm25.vocab_dict.items():
        tokens[i] = token
    df = [int(indptr[i + 1] - indptr[i]) if i + 1 < len(indptr) else 0 for i in range(len(tokens))]
    return TermStats(int(bm25.scores["num_docs"]), tokens, df)


def write_term_stats(stats: TermStats, directory: Path) -> None:
    with open(Path(directory) / FILE, "w", encoding="utf-8") as fh:
        json.dump(stats.to_json(), fh, ensure_ascii=False, separators=(",", ":"))


def read_term_stats(directory: Path) -> TermStats:
    obj = json.loads((Path(directory) / FILE).read_text(encoding="utf-8"))
    return TermStats(int(obj["num_docs"]), list(obj["tokens"]), [int(d) for d in obj["df"]])
