"""Segmentation of the seed and of the other common structures of Chinese policy documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from indexer.clause import KINDS
from indexer.load import read_document
from indexer.segment import cn_to_int, segment_document, uncovered_lines


def test_seed_structure_counts(seed_clauses):
    chapters = {c.path[0] for c in seed_clauses if c.path and re.match(r"第.+章", c.path[0])}
    sections = {tuple(c.path[:2]) for c in seed_clauses if len(c.path) > 1 and re.match(r"第.+节", c.path[1])}
    columns = {p for c in seed_clauses for p in c.path if p.startswith("专栏")}
    kinds = Counter(c.kind for c in seed_clauses)
    assert len(chapters) == 11
    assert len(sections) == 33
    assert len(columns) == 12
    assert kinds["table_row"] == 8
    assert set(kinds) <= set(KINDS)
    assert kinds["preamble"] >= 2 and kinds["column_item"] >= 30


def test_every_clause_is_verbatim_at_its_offsets(seed_document, seed_clauses):
    for c in seed_clauses:
        if c.kind != "table_row":
            assert seed_document.text[c.start:c.end] == c.text, c.clause_id
        assert 0 <= c.start < c.end <= len(seed_document.text)


def test_nothing_lost_or_duplicated(seed_document, seed_clauses):
    assert uncovered_lines(seed_document, seed_clauses) == []
    spans = sorted((c.start, c.end) for c in seed_clauses)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 <= s2, "clauses overlap"
    ids = [c.clause_id for c in seed_clauses]
    assert len(ids) == len(set(ids))


def test_table_rows_are_reassembled_correct_to_the_cells(seed_clauses):
    rows = {c.title: c.text for c in seed_clauses if c.kind == "table_row"}
    assert rows["建档立卡贫困人口(万人)"] == "建档立卡贫困人口(万人): 2015年 81; 2020年 实现脱贫; 属性 约束性; 数据来源 省扶贫办"
    # a merged cell split over two lines, and an empty 2015 cell
    assert rows["重点县农民人均可支配收入增速(%"] == \
        "重点县农民人均可支配收入增速(%: 2015年 —; 2020年 年均增速高于全省平均水平; 属性 预期性; 数据来源 省统计局"
    # empty 2015 cell and two sources in one cell
    assert rows["建档立卡贫困户存量危房改造率(%"] == \
        "建档立卡贫困户存量危房改造率(%: 2015年 —; 2020年 100; 属性 约束性; 数据来源 省住建厅、省扶贫办"
    assert rows["重点县义务教育巩固率(%"].endswith("2015年 97; 2020年 97.1; 属性 预期性; 数据来源 省教育厅")
    assert rows["建档立卡贫困户因病致(返)贫人数(万人)"].endswith("2015年 15.4; 2020年 基本解决; 属性 预期性; 数据来源 省卫生计生委")
    table = [c for c in seed_clauses if c.kind == "table_row"]
    assert [c.clause_id for c in table] == [f"lnfp13/col01/r{i:02d}" for i in range(1, 9)]
    assert table[0].path[-1].startswith("专栏1 ")


def test_paths_ids_and_titles(seed_clauses):
    by_id = {c.clause_id: c for c in seed_clauses}
    c = by_id["lnfp13/ch06/s02/p02"]
    assert c.path == ["第六章 健康扶贫", "第二节 提高医疗保障水平"]
    assert c.title == "实行贫困人口分类救治"
    assert c.text.startswith("实行贫困人口分类救治。")
    item = by_id["lnfp13/col08/i05"]
    assert item.kind == "column_item" and item.path[-1] == "专栏8 健康扶贫工程"
    assert item.title == "重特大疾病医疗救助行动"
    assert by_id["lnfp13/col06/p01"].kind == "column_item"  # a column without (一) items
    assert by_id["lnfp13/ch02/p01"].path == ["第二章 产业发展脱贫"]  # chapter intro before its first section
    # after 专栏1 the section's own paragraphs resume
    assert by_id["lnfp13/ch01/s03/p02"].text.startswith("——现行国家标准下")
    assert all(c.kind == "preamble" and c.path == [] for c in seed_clauses if "/pre/" in c.clause_id)


def test_ids_are_stable_across_rebuilds(seed_document, seed_clauses):
    again = segment_document(seed_document)
    assert [(c.clause_id, c.start, c.end, c.text) for c in again] == \
           [(c.clause_id, c.start, c.end, c.text) for c in seed_clauses]


def _doc(tmp_path, text, name="d"):
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path, name)
    return doc, segment_document(doc)


def test_articles_in_chapters(tmp_path):
    doc, clauses = _doc(tmp_path, "某某办法\n\n第一章 总则\n\n第一条 为了规范救助工作，制定本办法。\n\n"
                                  "第二条 本办法所称救助对象包括：\n\n(一)低保对象；\n\n(二)特困人员。\n\n"
                                  "第二章 救助标准\n\n第三条 救助标准由县级人民政府确定。\n")
    by_id = {c.clause_id: c for c in clauses}
    assert by_id["d/art001"].path == ["第一章 总则"]
    assert by_id["d/art002"].text.startswith("第二条 本办法所称救助对象包括：") and "(二)特困人员。" in by_id["d/art002"].text
    assert by_id["d/art003"].path == ["第二章 救助标准"]
    assert uncovered_lines(doc, clauses) == []


def test_numbered_headings_and_items(tmp_path):
    doc, clauses = _doc(tmp_path, "关于做好救助工作的通知\n\n各县：\n\n现就有关事项通知如下。\n\n"
                                  "一、总体要求\n\n坚持应保尽保。\n\n二、重点任务\n\n(一)完善低保制度\n\n"
                                  "1.提高标准。逐年提高低保标准。\n\n(1)农村低保标准不低于扶贫标准。\n\n(2)动态调整。\n\n"
                                  "2.规范管理。加强审核确认。\n\n(二)加强临时救助\n\n对遭遇急难的家庭及时救助。\n")
    by_text = {c.text: c for c in clauses}
    assert by_text["坚持应保尽保。"].path == ["一、总体要求"]
    assert by_text["1.提高标准。逐年提高低保标准。"].path == ["二、重点任务", "(一)完善低保制度"]
    assert by_text["(1)农村低保标准不低于扶贫标准。"].path == ["二、重点任务", "(一)完善低保制度", "1.提高标准"]
    assert by_text["2.规范管理。加强审核确认。"].path == ["二、重点任务", "(一)完善低保制度"]
    assert by_text["对遭遇急难的家庭及时救助。"].path == ["二、重点任务", "(二)加强临时救助"]
    assert [c.kind for c in clauses[:1]] == ["preamble"]
    assert uncovered_lines(doc, clauses) == []


def test_document_without_headings_still_becomes_clauses(tmp_path):
    doc, clauses = _doc(tmp_path, "困难群众看病可以先诊疗后付费。\n\n住院费用实行一站式结算。\n")
    assert [c.kind for c in clauses] == ["paragraph", "paragraph"]
    assert [c.clause_id for c in clauses] == ["d/p01", "d/p02"]


def test_long_paragraph_is_cut_at_sentence_ends(tmp_path):
    sentence = "各地要加大投入力度，确保政策落实到户到人。"
    doc, clauses = _doc(tmp_path, "第一章 总则\n\n" + sentence * 80 + "\n")
    assert len(clauses) > 1
    assert all(c.text.endswith("。") and len(c.text) <= 900 for c in clauses)
    assert "".join(c.text for c in clauses) == sentence * 80


@pytest.mark.parametrize("token,value", [("一", 1), ("十", 10), ("十一", 11), ("二十三", 23), ("一百零五", 105), ("7", 7)])
def test_chinese_numerals(token, value):
    assert cn_to_int(token) == value
