"""Downloadable documents: an entitlement sheet for a household's file, and training digests.

Markdown and DOCX are built from the same plain data the pages show (the engine's entitlement
result, `qa.digest.Digest` and quiz items); nothing here decides what applies or what is key.
"""
from __future__ import annotations

import datetime as _dt
import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from ui.text import path_label

FONT = "宋体"
HEADING_FONT = "黑体"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_MD_SPECIAL = set("\\`*_[]<>|~$#")
HOUSEHOLD_FIELDS = (("name", "户主"), ("village", "村/组"), ("number", "户编号"), ("note", "备注"))


def md_text(text: str) -> str:
    """Text for a Markdown file: one line, with the characters that could start syntax escaped."""
    flat = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in flat)


def today() -> str:
    return _dt.date.today().isoformat()


# --- entitlements ------------------------------------------------------------------------------
def _profile_line(result: dict) -> str:
    labels = []
    for r in result.get("resolved", []):
        if r["label"] not in labels:
            labels.append(r["label"])
    return "、".join(labels) or "、".join(result.get("profile", []))


def entitlements_markdown(result: dict, household: dict | None = None) -> str:
    household = household or {}
    lines = ["# 家庭可享受政策清单", ""]
    for key, label in HOUSEHOLD_FIELDS:
        if household.get(key):
            lines.append(f"- **{label}**：{md_text(household[key])}")
    lines.append(f"- **家庭情况**：{md_text(_profile_line(result))}")
    if result.get("topic"):
        lines.append(f"- **关注方面**：{md_text(result['topic'])}")
    lines += [f"- **生成日期**：{today()}", f"- **共计**：{result.get('total', 0)} 条政策依据", ""]
    n = 0
    for group in result.get("groups", []):
        lines += [f"## {md_text(group['topic'])}（{group['count']} 条）", ""]
        for item in group["items"]:
            n += 1
            title = item.get("title") or item.get("summary", "")[:24]
            lines.append(f"{n}\\. **{md_text(title)}**：{md_text(item.get('summary') or item['text'])}")
            lines.append(f"    出处：《{md_text(item['doc_title'])}》{md_text(path_label(item['path']))}"
                         f"（条款 `{item['clause_id']}`）")
            lines.append("")
    if not result.get("groups"):
        lines += ["未找到与所选情况对应的政策条款。", ""]
    lines += ["---", "", "本清单由 PolicyKB 依据已收录的政策文件自动整理，仅供参考；具体以当地主管部门认定为准。", ""]
    return "\n".join(lines)


def entitlements_docx(result: dict, household: dict | None = None) -> bytes:
    household = household or {}
    doc = _new_document()
    _title(doc, "家庭可享受政策清单")
    facts = [(label, household[key]) for key, label in HOUSEHOLD_FIELDS if household.get(key)]
    facts.append(("家庭情况", _profile_line(result)))
    if result.get("topic"):
        facts.append(("关注方面", result["topic"]))
    facts += [("生成日期", today()), ("共计", f"{result.get('total', 0)} 条政策依据")]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in facts:
        row = table.add_row().cells
        row[0].text, row[1].text = label, str(value)
    n = 0
    for group in result.get("groups", []):
        doc.add_heading(f"{group['topic']}（{group['count']} 条）", level=2)
        for item in group["items"]:
            n += 1
            p = doc.add_paragraph()
            p.add_run(f"{n}. {item.get('title') or ''}").bold = True
            if item.get("title"):
                p.add_run(":")
            p.add_run(item.get("summary") or item["text"])
            _source(doc, f"出处：《{item['doc_title']}》{path_label(item['path'])}（条款 {item['clause_id']}）")
    if not result.get("groups"):
        doc.add_paragraph("未找到与所选情况对应的政策条款。")
    _note(doc, "本清单由 PolicyKB 依据已收录的政策文件自动整理，仅供参考；具体以当地主管部门认定为准。")
    return _bytes(doc)


# --- training digests --------------------------------------------------------------------------
def digest_markdown(digest, quiz=()) -> str:
    lines = [f"# {md_text(digest.title)}", "", f"生成日期：{today()}", ""]
    if digest.figures:
        lines += ["## 主要目标和数据", "", "| 指标 | 目标/数值 | 依据 |", "|---|---|---|"]
        for f in digest.figures:
            lines.append(f"| {md_text(f.indicator)} | {md_text(f.value)} | \\[{f.ref}\\] |")
        lines.append("")
    if digest.measures:
        lines += ["## 主要举措", ""]
        section = None
        for m in digest.measures:
            if m.section != section:
                section = m.section
                lines += [f"### {md_text(section)}", ""]
            head = f"**{md_text(m.title)}**：" if m.title else ""
            lines.append(f"- {head}{md_text(m.text)} \\[{m.ref}\\]")
        lines.append("")
    if quiz:
        lines += ["## 测验题", ""]
        for q in quiz:
            lines.append(f"{q.number}\\. {md_text(q.question)}")
            for letter, option in zip("ABCD", q.options):
                lines.append(f"    - {letter}\\. {md_text(option)}")
        lines += ["", "### 参考答案", ""]
        for q in quiz:
            lines.append(f"{q.number}\\. {md_text(q.answer)}（依据 \\[{q.ref}\\]，条款 `{q.clause_id}`）")
        lines.append("")
    lines += ["## 依据条款", ""]
    for r in digest.references:
        lines.append(f"\\[{r.ref}\\] 《{md_text(r.doc_title)}》{md_text(path_label(r.path))}，条款 `{r.clause_id}`")
    lines.append("")
    return "\n".join(lines)


def digest_docx(digest, quiz=()) -> bytes:
    doc = _new_document()
    _title(doc, digest.title)
    _note(doc, f"生成日期：{today()}")
    if digest.figures:
        doc.add_heading("主要目标和数据", level=2)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, head in zip(table.rows[0].cells, ("指标", "目标/数值", "依据")):
            cell.text = head
            cell.paragraphs[0].runs[0].bold = True
        for f in digest.figures:
            row = table.add_row().cells
            row[0].text, row[1].text, row[2].text = f.indicator, f.value, f"[{f.ref}]"
    if digest.measures:
        doc.add_heading("主要举措", level=2)
        section = None
        for m in digest.measures:
            if m.section != section:
                section = m.section
                doc.add_heading(section, level=3)
            p = doc.add_paragraph(style="List Bullet")
            if m.title:
                p.add_run(m.title).bold = True
                p.add_run(":")
            p.add_run(f"{m.text} [{m.ref}]")
    if quiz:
        doc.add_heading("测验题", level=2)
        for q in quiz:
            doc.add_paragraph(f"{q.number}. {q.question}")
            for letter, option in zip("ABCD", q.options):
                doc.add_paragraph(f"{letter}. {option}").paragraph_format.left_indent = Pt(21)
        doc.add_heading("参考答案", level=3)
        for q in quiz:
            doc.add_paragraph(f"{q.number}. {q.answer}（依据 [{q.ref}]，条款 {q.clause_id}）")
    doc.add_heading("依据条款", level=2)
    for r in digest.references:
        _source(doc, f"[{r.ref}] 《{r.doc_title}》{path_label(r.path)}，条款 {r.clause_id}")
    return _bytes(doc)


# --- python-docx helpers -----------------------------------------------------------------------
def _set_font(style, name: str) -> None:
    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _new_document():
    doc = Document()
    normal = doc.styles["Normal"]
    _set_font(normal, FONT)
    normal.font.size = Pt(11)
    for level in (1, 2, 3):
        style = doc.styles[f"Heading {level}"]
        _set_font(style, HEADING_FONT)
        style.font.color.rgb = RGBColor(0x1F, 0x1F, 0x1F)
    _set_font(doc.styles["Title"], HEADING_FONT)
    return doc


def _title(doc, text: str) -> None:
    heading = doc.add_heading(text, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _source(doc, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def _note(doc, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.italic = True
    run.font.size = Pt(9)


def _bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
