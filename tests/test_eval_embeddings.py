"""eval/embeddings.py: pre-computing query embeddings changes no answer and leaves the engine as it was."""
from __future__ import annotations

from pathlib import Path

from eval.dataset import load_questions
from eval.embeddings import precompute, single_encode_ms

ROOT = Path(__file__).resolve().parent.parent
MODES = ("bm25", "dense", "hybrid", "full")


def _questions(n_multi=2, n_other=2) -> list[str]:
    qs = load_questions(ROOT / "eval" / "questions.jsonl")
    multi = [q.question for q in qs if q.type == "multi_aspect"][:n_multi]
    other = [q.question for q in qs if q.type not in ("multi_aspect", "out_of_scope")][:n_other]
    return multi + other


def _answers(kb, questions):
    out = []
    for q in questions:
        for mode in MODES:
            a = kb.ask(q, top_k=5, mode=mode).to_json()
            a.pop("latency_ms", None)
            out.append((a, [h.clause.clause_id for h in kb.search(q, 10, mode)]))
    return out


def test_precompute_changes_no_answer_and_restores_the_retriever(kb):
    questions = _questions()
    kb.retriever._query_cache.clear()
    cold = _answers(kb, questions)
    kb.retriever._query_cache.clear()
    counts = precompute(kb, questions, MODES, 5, 10)
    assert "embed_query" not in vars(kb.retriever)  # the temporary replacement is gone
    size = len(kb.retriever._query_cache)
    assert _answers(kb, questions) == cold
    assert len(kb.retriever._query_cache) == size  # nothing was left to embed while answering
    for q in questions:
        for mode in ("bm25", "dense", "hybrid"):
            assert counts[(q, mode)] == 1
        assert counts[(q, "full")] >= 1
    assert any(counts[(q, "full")] > 1 for q in questions[:2])  # the aspects of a multi-aspect question


def test_a_refused_question_is_skipped(kb):
    counts = precompute(kb, ["", "贫困县有多少个?"], ("hybrid",), 5, 10)
    assert ("", "hybrid") not in counts and counts[("贫困县有多少个?", "hybrid")] == 1


def test_without_a_query_cache_the_public_path_is_used():
    calls = []

    class PublicOnly:
        def search(self, q, k=10, mode="full"):
            calls.append((q, k, mode))
            return []

    assert precompute(PublicOnly(), ["问"], MODES, 5, 10) == {}
    assert calls == [("问", 1, "dense")]
    assert single_encode_ms(PublicOnly(), ["问"]) is None


def test_single_encode_time_is_positive(kb):
    assert single_encode_ms(kb, ["贫困县有多少个?"]) > 0
