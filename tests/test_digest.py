"""Training digests and quizzes (qa/digest.py) over the seed plan."""
from __future__ import annotations

import re

import pytest

from qa.digest import (build_digest, build_quiz, figures_in_text, list_chapters, list_topics, parse_table_row,
                       select_clauses)


@pytest.fixture(scope="module")
def clauses(kb):
    return kb.clauses()


def test_chapters_are_in_document_order(clauses):
    chapters = list_chapters(clauses)
    assert chapters[0] == "前言"
    assert chapters[1] == "第一章 总体要求"
    assert chapters[-1].startswith("第十一章")
    assert len(chapters) == 12


def test_topics_come_from_the_clause_tags(clauses, kb):
    topics = list_topics(clauses, kb.vocabulary)
    tagged = {t.split(":", 1)[1] for c in clauses for t in c.tags if t.startswith("topic:")}
    assert set(topics) == tagged
    order = [c.label for c in kb.vocabulary.concepts_of("topic")]
    assert topics == sorted(topics, key=lambda t: order.index(t) if t in order else len(order))


def test_select_needs_exactly_one_scope(clauses):
    with pytest.raises(ValueError):
        select_clauses(clauses)
    with pytest.raises(ValueError):
        select_clauses(clauses, topic="医疗", chapter="第六章 健康扶贫")


def test_chapter_digest_has_the_indicator_table_and_measures(clauses):
    digest = build_digest(clauses, chapter="第一章 总体要求")
    rows = [f for f in digest.figures if f.row]
    assert len(rows) == 8
    water = next(f for f in rows if f.indicator.startswith("贫困地区农村集中供水率"))
    assert water.value.startswith("85") and "75" in water.value
    assert water.clause_id == "lnfp13/col01/r05"
    # figures from the text keep their time frame: '减贫25万人' alone would say nothing
    assert any(f.indicator.startswith("2016年") and f.value == "25万" for f in digest.figures)
    assert digest.measures and all(m.clause_id in digest.clause_ids for m in digest.measures)
    assert digest.title.startswith("第一章 总体要求")


def test_every_line_cites_a_reference_in_scope(clauses):
    digest = build_digest(clauses, chapter="第六章 健康扶贫")
    refs = {r.ref: r.clause_id for r in digest.references}
    assert sorted(refs) == list(range(1, len(refs) + 1))
    for line in digest.figures + digest.measures:
        assert refs[line.ref] == line.clause_id
        assert line.clause_id in digest.clause_ids
    by_id = {c.clause_id: c for c in clauses}
    for f in digest.figures:
        if not f.row:  # the figure is quoted from its clause
            assert re.sub(r"^.*?年[底前末]?,", "", f.statement) in by_id[f.clause_id].text


def test_topic_digest_keeps_only_figures_on_topic(clauses, kb):
    digest = build_digest(clauses, topic="医疗", vocabulary=kb.vocabulary)
    assert digest.clause_ids and all("topic:医疗" in next(c for c in clauses if c.clause_id == i).tags
                                     for i in digest.clause_ids)
    triggers = next(c.triggers for c in kb.vocabulary.concepts_of("topic") if c.label == "医疗")
    assert all(any(t in f.statement for t in triggers) for f in digest.figures)
    assert any("卫生厕所" in f.statement or "医院" in f.statement for f in digest.figures)


def test_figures_in_text_splits_indicator_and_value():
    found = figures_in_text("到2020年,贫困地区农村集中供水率达到85%,自来水普及率达到80%。")
    assert ("到2020年,贫困地区农村集中供水率", "达到85%", "到2020年,贫困地区农村集中供水率达到85%") in found
    assert any(ind.endswith("自来水普及率") and val == "达到80%" for ind, val, _ in found)
    assert figures_in_text("确保有劳动力的贫困户中至少有1名成员掌握1项实用技术。") == []


def test_quiz_answers_are_in_the_cited_clause(clauses):
    digest = build_digest(clauses, chapter="第六章 健康扶贫")
    quiz = build_quiz(digest, clauses, count=10)
    assert 3 <= len(quiz) <= 10
    assert [q.number for q in quiz] == list(range(1, len(quiz) + 1))
    by_id = {c.clause_id: c for c in clauses}
    kinds = {q.kind for q in quiz}
    assert {"fill", "choice", "list"} <= kinds
    for q in quiz:
        text = by_id[q.clause_id].text
        if q.kind == "fill":
            assert "____" in q.question and q.answer in text
            assert q.question.replace("填空：", "").replace("____", q.answer).split(",")[-1] in text
        elif q.kind == "choice":
            assert len(q.options) == 4 and q.answer in q.options and q.answer in text
        elif q.kind == "list":
            assert all(item in " ".join(by_id[i].text for i in digest.clause_ids) for item in q.answer.split("、"))


def test_table_questions_ask_for_the_target_and_close_the_bracket(clauses):
    digest = build_digest(clauses, chapter="第一章 总体要求")
    quiz = build_quiz(digest, clauses, count=15)
    table = [q for q in quiz if q.kind == "table"]
    assert table
    for q in table:
        _, cells = parse_table_row(next(c for c in clauses if c.clause_id == q.clause_id).text)
        assert q.answer == cells["2020年"]
        assert q.question.count("(") == q.question.count(")")


def test_quiz_is_reproducible_and_changes_with_the_seed(clauses):
    digest = build_digest(clauses, chapter="第二章 产业发展脱贫")
    first = [q.to_json() for q in build_quiz(digest, clauses, seed=3)]
    assert first == [q.to_json() for q in build_quiz(digest, clauses, seed=3)]
    others = [[q.to_json() for q in build_quiz(digest, clauses, seed=s)] for s in range(4, 9)]
    assert any(o != first for o in others)


def test_preamble_digest_and_empty_topic_do_not_fail(clauses):
    digest = build_digest(clauses, chapter="前言")
    assert digest.clause_ids
    empty = build_digest(clauses, topic="没有这个方面")
    assert empty.clause_ids == [] and build_quiz(empty, clauses) == []
