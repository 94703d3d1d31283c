"""The UI's text helpers: escaping document/question text for Streamlit Markdown, highlights, tables."""
from __future__ import annotations

import re

import pytest

from ui.text import (answer_markdown, escape_markdown, find_spans, highlight_markdown, merge_spans,
                     parse_table_row, table_rows)

MALICIOUS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[点我](javascript:alert(1))",
    "![图](http://evil.example/x.png)",
    "<http://evil.example>",
    ":red[红字] :material/warning: :smile:",
    "$x^2$ 和 $$y$$",
    "**粗** _斜_ `代码` ~~删~~",
    "# 标题\n1. 列表\n- 列表\n> 引用\n    缩进代码",
    "| a | b |\n|---|---|",
    "&lt;b&gt; &#60;script&#62;",
    "反斜杠 \\ 结尾\\",
]


def unescape(markdown: str) -> str:
    """What a CommonMark renderer shows for text made only of backslash escapes and hard breaks."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("  \n", "\n"))


@pytest.mark.parametrize("text", MALICIOUS)
def test_escape_leaves_no_markdown_or_html_syntax(text):
    out = escape_markdown(text)
    # every character that could open HTML, a link, emphasis, code, a directive or maths is escaped
    for ch in "<>[]()*_`:$|&#!~":
        assert re.search(rf"(?<!\\){re.escape(ch)}", out.replace("\\\\", "")) is None, (ch, out)
    # and the text reads back as itself (minus leading indentation, which Markdown would make a code block)
    assert unescape(out) == "\n".join(line.lstrip() for line in text.split("\n"))


def test_escape_keeps_chinese_and_line_structure():
    assert escape_markdown("实行贫困人口分类救治。") == "实行贫困人口分类救治。"
    assert escape_markdown("第一行\n第二行") == "第一行  \n第二行"
    assert escape_markdown("第一段\n\n第二段") == "第一段\n\n第二段"
    assert escape_markdown("1. 不是列表") == "1\\. 不是列表"


def test_highlight_wraps_spans_after_escaping():
    text = "前文<b>重点</b>[x](y)后文"
    out = highlight_markdown(text, [(2, 13)])
    assert out.startswith("前文:orange-background[")
    assert "\\<b\\>重点\\</b\\>" in out and out.endswith("后文")
    assert "<b>" not in out.replace("\\<b\\>", "")
    # a ']' inside a highlight is escaped, so it cannot close the directive early
    assert highlight_markdown("a]b", [(0, 3)]) == ":orange-background[a\\]b]"


def test_highlight_handles_overlapping_out_of_range_and_empty_spans():
    assert merge_spans([(5, 9), (0, 3), (2, 4), (8, 100), (7, 7)], 10) == [(0, 4), (5, 10)]
    assert highlight_markdown("abc", []) == "abc"
    assert highlight_markdown("abc", [(1, 99)]) == "a:orange-background[bc]"


def test_find_spans_is_literal_and_case_insensitive():
    assert find_spans("a.b A.B", "a.b") == [(0, 3), (4, 7)]
    assert find_spans("(一)项目", "(一)") == [(0, 3)]
    assert find_spans("abc", "") == []


def test_answer_markdown_turns_markers_into_badges_and_keeps_bullets():
    answer = "相关措施包括：甲 [1]、乙 [2]。\n主句<script>。 [1]\n- 要点*一* [2]\n- 要点二 [3]"
    out = answer_markdown(answer)
    assert ":blue-badge[1]" in out and ":blue-badge[3]" in out
    assert "\\<script\\>" in out and "\\*一\\*" in out
    assert "\n- 要点" in out and out.count("\n- ") == 2


def test_table_row_parsing_gives_the_cells():
    indicator, cells = parse_table_row("贫困地区农村集中供水率(%: 2015年 75; 2020年 85; 属性 预期性; 数据来源 省水利厅")
    assert indicator == "贫困地区农村集中供水率(%"
    assert cells == {"2015年": "75", "2020年": "85", "属性": "预期性", "数据来源": "省水利厅"}
    indicator, cells = parse_table_row("数据来源 省住建厅、省扶贫办")
    assert cells == {}


def test_the_seed_plan_table_has_eight_rows(kb):
    rows = [c for c in kb.clauses("lnfp13") if c.kind == "table_row"]
    columns, parsed = table_rows([c.text for c in rows])
    assert len(parsed) == 8
    assert columns == ["指标", "2015年", "2020年", "属性", "数据来源"]
    assert all(r["指标"] and r["属性"] in ("约束性", "预期性") for r in parsed)
    assert parsed[0]["2015年"] == "81" and parsed[0]["2020年"] == "实现脱贫"
