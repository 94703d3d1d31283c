"""eval/variants.py: deterministic robustness variants, and the committed file kept in step."""
from __future__ import annotations

import random
from pathlib import Path

from eval.dataset import Question, load_questions
from eval.variants import (DEFAULT_OUT, DEFAULT_QUESTIONS, HOMOPHONES, KINDS, drop_typo, generate, homophone_typo,
                           make_variants, to_fullwidth, to_traditional)

ROOT = Path(__file__).resolve().parent.parent


def _question(text="2020年贫困县的低保标准是多少?", qtype="number") -> Question:
    return Question("q1", text, "evaluator", qtype, ["低保标准"], ["低保"], ["lnfp13/ch01/p01"], "第一章")


def test_fullwidth_and_traditional():
    assert to_fullwidth("2020年,A级 80%?") == "２０２０年，Ａ级\u3000８０％？"
    assert to_fullwidth("已经全角") == "已经全角"
    assert to_traditional("贫困县的医疗救助") == "貧困縣的醫療救助"


def test_typos_change_exactly_one_character():
    rng = random.Random(1)
    text, edit = homophone_typo("贫困户看病", rng)
    assert len(text) == 5 and sum(a != b for a, b in zip(text, "贫困户看病")) == 1
    assert "→" in edit
    text, edit = drop_typo("贫困户看病", random.Random(1))
    assert len(text) == 4 and edit.startswith("dropped")
    assert homophone_typo("ABC", rng) is None and drop_typo("看病?", rng) is None
    assert all(len(k) == len(v) == 1 and k != v for k, v in HOMOPHONES.items())


def test_variants_are_deterministic_and_carry_their_origin():
    q = _question()
    first, second = make_variants(q), make_variants(q)
    assert [v.to_json() for v in first] == [v.to_json() for v in second]
    assert [v.variant for v in first] == list(KINDS)
    for v in first:
        assert v.id == f"q1~{v.variant}" and v.variant_of == "q1" and v.original == q.question
        assert v.question != q.question and v.gold == q.gold and v.facts == q.facts and v.type == q.type
    assert make_variants(_question(qtype="out_of_scope")) == []


def test_a_variant_identical_to_its_question_is_left_out():
    kinds = [v.variant for v in make_variants(_question("俺家娃上学"))]  # no ASCII to widen
    assert "fullwidth" not in kinds


def test_committed_variants_file_matches_the_question_set():
    """Regenerate with `python -m eval.variants` whenever eval/questions.jsonl changes."""
    questions = load_questions(ROOT / DEFAULT_QUESTIONS)
    committed = load_questions(ROOT / DEFAULT_OUT)
    expected = generate(questions)
    assert [v.to_json() for v in committed] == [v.to_json() for v in expected]
    in_scope = {q.id for q in questions if not q.out_of_scope}
    assert {v.variant_of for v in committed} == in_scope
