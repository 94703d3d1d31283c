"""Embedding every query text of an evaluation once, in batches, before anything is timed.

Embedding a question costs far more than everything else `kb.ask` does, and timing it inside each
system's `kb.ask` would charge it to whichever system happens to ask first (the engine caches query
embeddings). So before timing, the runner finds out which texts each question makes the engine
embed, embeds them all in batches into the engine's query cache (the vectors are the same as one at
a time), and counts them: `latency = measured kb.ask time (warm) + embeddings × the time to embed
one text on its own` estimates what a cold question costs.

Finding the texts: the questions are asked with the retriever's `embed_query` replaced by one that
serves cached vectors and, for a text not yet embedded, stops the question (nothing is computed with
a made-up vector); the stopped texts are embedded in one batch and the stopped questions asked again,
until every question runs through. Where the engine has no such cache or method, every question's
main text is embedded through the public API instead, and any further embeddings (the full
pipeline's aspects) are then timed as part of `kb.ask`.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from indexer.errors import BadInput

from .metrics import percentile

BATCH = 16
MAX_ROUNDS = 12
ENCODE_SAMPLE = 5


class _NeedsEmbedding(BaseException):  # a BaseException, so that no `except Exception` in the engine swallows it
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def precompute(kb, questions: Sequence[str], modes: Sequence[str], ask_top_k: int, rank_depth: int,
               say: Callable[[str, int, int], None] | None = None) -> dict[tuple[str, str], int]:
    """Embed every text that asking (and ranking) each question in each mode needs.

    Returns (question, mode) → number of texts embedded for it; a pair absent from the result is
    unknown (the public fallback, or a question the engine refuses).
    """
    say = say or (lambda stage, done, total: None)
    retriever = getattr(kb, "retriever", None)
    cache = getattr(retriever, "_query_cache", None)
    encoder = getattr(retriever, "encoder", None)
    if not isinstance(cache, dict) or encoder is None or not callable(getattr(retriever, "embed_query", None)):
        _public_warm_up(kb, questions)
        return {}

    needed: dict[tuple[str, str], set[str]] = {}
    current: list[tuple[str, str]] = [("", "")]

    def serve_or_stop(text: str):
        needed.setdefault(current[0], set()).add(text)
        vector = cache.get(text)
        if vector is None:
            raise _NeedsEmbedding(text)
        return vector

    def embed(texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        for start in range(0, len(todo), BATCH):
            say("embedding", start, len(todo))
            chunk = todo[start:start + BATCH]
            cache.update(zip(chunk, encoder.encode_queries(chunk)))
        say("embedding", len(todo), len(todo))

    main_texts = []
    for q in questions:  # the main text of each question, known from the public API: embed it first
        try:
            main_texts.append(kb.retriever_dense_text(kb.analyze(q)))
        except (BadInput, AttributeError):
            pass
    embed(main_texts)

    pending = [(q, m) for q in dict.fromkeys(questions) for m in modes]
    done: set[tuple[str, str]] = set()
    retriever.embed_query = serve_or_stop
    try:
        for _ in range(MAX_ROUNDS):
            missing, still = [], []
            for pair in pending:
                current[0] = pair
                question, mode = pair
                try:
                    kb.ask(question, top_k=ask_top_k, mode=mode)
                    if mode != "bm25":
                        kb.search(question, rank_depth, mode)
                    done.add(pair)
                except _NeedsEmbedding as need:
                    missing.append(need.text)
                    still.append(pair)
                except BadInput:
                    pass
            if not still:
                break
            embed(missing)
            pending = still
    finally:
        del retriever.embed_query  # the instance attribute goes; the class's method is back
    return {pair: len(needed.get(pair, ())) for pair in done}


def _public_warm_up(kb, questions: Sequence[str]) -> None:
    for q in questions:
        try:
            kb.search(q, k=1, mode="dense")
        except BadInput:
            pass


def single_encode_ms(kb, texts: Sequence[str]) -> float | None:
    """Median time to embed one text on its own, over a few of the given texts."""
    encoder = getattr(getattr(kb, "retriever", None), "encoder", None)
    if encoder is None or not texts:
        return None
    times = []
    for text in list(texts)[:ENCODE_SAMPLE]:
        started = time.perf_counter()
        encoder.encode_queries([text])
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50)
