"""Markdown and DOCX exports (ui/export.py): entitlement sheets and training digests."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document

from qa.digest import build_digest, build_quiz
from ui import export


@pytest.fixture(scope="module")
def entitlements(kb):
    return kb.entitlements(["低保对象", "D级危房"])


@pytest.fixture(scope="module")
def digest_and_quiz(kb):
    clauses = kb.clauses()
    digest = build_digest(clauses, chapter="第一章 总体要求")
    return digest, build_quiz(digest, clauses, count=6)


def docx_text(data: bytes) -> tuple[str, list[list[list[str]]]]:
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables


def test_entitlement_markdown_lists_every_item_with_its_clause(entitlements):
    md = export.entitlements_markdown(entitlements, {"name": "张三", "village": "一组"})
    assert md.startswith("# 家庭可享受政策清单")
    assert "**户主**：张三" in md and "**村/组**：一组" in md
    for group in entitlements["groups"]:
        assert f"## {group['topic']}（{group['count']} 条）" in md
        for item in group["items"]:
            assert f"`{item['clause_id']}`" in md
    assert md.count("出处：") == entitlements["total"]


def test_entitlement_docx_opens_and_has_the_household_table(entitlements):
    text, tables = docx_text(export.entitlements_docx(entitlements, {"name": "李四", "note": "<script>x</script>"}))
    assert "家庭可享受政策清单" in text
    facts = dict((row[0], row[1]) for row in tables[0])
    assert facts["户主"] == "李四" and facts["备注"] == "<script>x</script>"  # plain text in Word, not markup
    assert "低保对象" in facts["家庭情况"]
    first = entitlements["groups"][0]["items"][0]
    assert first["clause_id"] in text


def test_household_text_is_escaped_in_markdown(entitlements):
    md = export.entitlements_markdown(entitlements, {"name": "<img src=x onerror=alert(1)>[x](javascript:y)"})
    assert "\\<img src=x onerror=alert(1)\\>\\[x\\](javascript:y)" in md
    assert re.search(r"(?<!\\)[<\[]", md.split("家庭情况")[0].split("户主")[1]) is None


def test_digest_markdown_has_table_bullets_quiz_and_references(digest_and_quiz):
    digest, quiz = digest_and_quiz
    md = export.digest_markdown(digest, quiz)
    assert md.startswith(f"# {digest.title}")
    assert "| 指标 | 目标/数值 | 依据 |" in md
    assert md.count("\n- ") >= len(digest.measures)
    assert "## 测验题" in md and "### 参考答案" in md
    for q in quiz:
        assert f"`{q.clause_id}`" in md
    for r in digest.references:
        assert f"`{r.clause_id}`" in md


def test_digest_docx_has_the_figures_table_and_answer_key(digest_and_quiz):
    digest, quiz = digest_and_quiz
    text, tables = docx_text(export.digest_docx(digest, quiz))
    assert tables and tables[0][0] == ["指标", "目标/数值", "依据"]
    assert len(tables[0]) == len(digest.figures) + 1
    assert any(row[0].startswith("贫困地区农村集中供水率") for row in tables[0])
    assert "参考答案" in text and "依据条款" in text
    assert all(q.question in text for q in quiz)


def test_md_text_flattens_and_escapes():
    assert export.md_text("a\n b  c") == "a b c"
    assert export.md_text("|*_`[]<>#") == "\\|\\*\\_\\`\\[\\]\\<\\>\\#"
