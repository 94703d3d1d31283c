"""Synthetic clauses for the scale benchmarks: the seed's own phrases, recombined deterministically.

Every synthetic clause copies the shape of a real clause picked at random (its headings, kind and
number of sentences) and fills each sentence either with a real sentence of the seed or with a new
sentence stitched from phrases of different real sentences. Words, phrase lengths and sentence
counts therefore follow the seed; the vocabulary is the seed's, so each word occurs in far more
clauses than it would in a real 100k corpus, which makes postings longer and BM25 slower — the
conservative direction.

Pieces (phrases with their closing punctuation) end at characters that jieba treats as block
boundaries, so a clause's tokens are its headings' tokens (what production indexes for the template
clause with its text left out) followed by its pieces' tokens: each distinct piece is tokenised once
by the production tokenizer. `token_parity` checks that claim against
`indexer.build.bm25_corpus_tokens` on whole clauses.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

import numpy as np

from indexer.build import bm25_corpus_tokens
from indexer.clause import Clause
from indexer.tokenize import Tokenizer

SEED = 20240613
REAL_SENTENCE_SHARE = 0.5
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_PHRASE = re.compile(r"[^,，、:：]+[,，、:：]?")
_PUNCTUATION = ",，、:：。；;！!？?"


@dataclass
class PiecePool:
    """Distinct text pieces of the seed, and how real clauses and sentences are made of them."""

    pieces: list[str]
    templates: list[tuple[int, Clause]]              # (sentence count, real clause)
    sentences: list[list[int]]                       # real sentences as piece ids
    phrases: list[int]                               # phrases without their punctuation, for stitching
    comma: int
    full_stop: int


def build_pool(clauses: list[Clause]) -> PiecePool:
    pieces: list[str] = []
    ids: dict[str, int] = {}

    def piece(text: str) -> int:
        if text not in ids:
            ids[text] = len(pieces)
            pieces.append(text)
        return ids[text]

    comma, full_stop = piece(","), piece("。")
    templates, sentences, phrases = [], [], set()
    for clause in clauses:
        count = 0
        for sentence in _SENTENCE.findall(clause.text):
            parts = [p for p in _PHRASE.findall(sentence.strip()) if p.strip()]
            if parts:
                # a sentence cut at a line break gets a full stop, so it cannot run into the next one
                ending = [] if parts[-1].rstrip()[-1] in _PUNCTUATION else [full_stop]
                sentences.append([piece(p) for p in parts] + ending)
                phrases.update(piece(bare) for p in parts if (bare := p.rstrip(_PUNCTUATION).strip()))
                count += 1
        templates.append((max(count, 1), clause))
    return PiecePool(pieces, templates, sentences, sorted(phrases), comma, full_stop)


@dataclass
class SyntheticCorpus:
    clauses: list[Clause]
    tokens: list[list[str]]      # BM25 tokens of passage_text(clause), as production computes them
    distinct_pieces: int
    tokenize_seconds: float


def synthesize(seed_clauses: list[Clause], n: int, tokenizer: Tokenizer, seed: int = SEED) -> SyntheticCorpus:
    """`n` clauses recombined from `seed_clauses`; the same arguments give the same corpus."""
    import time

    pool = build_pool(seed_clauses)
    started = time.perf_counter()
    piece_tokens = [tokenizer.tokenize(p) for p in pool.pieces]
    heading_tokens = [[t for t in tokens if t != "∅"] for tokens in
                      bm25_corpus_tokens([replace(c, text="") for _, c in pool.templates], tokenizer)]
    tokenize_seconds = time.perf_counter() - started
    rng = random.Random(seed)
    clauses: list[Clause] = []
    tokens: list[list[str]] = []
    for i in range(n):
        pick = rng.randrange(len(pool.templates))
        count, template = pool.templates[pick]
        body: list[int] = []
        for _ in range(count):
            if rng.random() < REAL_SENTENCE_SHARE:
                body += pool.sentences[rng.randrange(len(pool.sentences))]
            else:
                for j in range(rng.randint(2, 4)):
                    body += [pool.comma] if j else []
                    body.append(pool.phrases[rng.randrange(len(pool.phrases))])
                body.append(pool.full_stop)
        text = "".join(pool.pieces[p] for p in body)
        doc_tokens = list(heading_tokens[pick])
        for p in body:
            doc_tokens += piece_tokens[p]
        clauses.append(Clause(clause_id=f"syn/{i:06d}", doc_id=f"syn{i // 500:04d}", doc_title=template.doc_title,
                              path=list(template.path), kind=template.kind, text=text, start=0, end=len(text),
                              title="", tags=list(template.tags)))
        tokens.append(doc_tokens or ["∅"])
    return SyntheticCorpus(clauses, tokens, len(pool.pieces), tokenize_seconds)


def token_parity(corpus: SyntheticCorpus, tokenizer: Tokenizer, sample: int = 200, seed: int = SEED) -> tuple[int, int]:
    """(clauses whose composed tokens equal production's tokens of the whole passage, clauses checked)."""
    rng = random.Random(seed + 1)
    picks = rng.sample(range(len(corpus.clauses)), min(sample, len(corpus.clauses)))
    whole = bm25_corpus_tokens([corpus.clauses[i] for i in picks], tokenizer)
    return sum(1 for i, w in zip(picks, whole) if corpus.tokens[i] == w), len(picks)


def random_unit_vectors(n: int, dim: int = 384, seed: int = SEED) -> np.ndarray:
    """Gaussian directions, L2-normalised float32: a stand-in for clause embeddings at scale."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors
