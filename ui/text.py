"""Safe rendering of document and question text as Streamlit Markdown.

Nothing from a document or a question is ever given to Streamlit as HTML.  Text goes through
`escape_markdown`, which backslash-escapes every character Markdown (and Streamlit's extensions:
`:color[…]` directives, `:emoji:` short codes, `$maths$`) could read as syntax, so a `<script>` tag
or a `[link](javascript:…)` shows as the characters it is made of.  Highlights and citation
markers are added *after* escaping, as Streamlit Markdown directives.
"""
from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can start
# syntax (links, emphasis, code, HTML, tables, headings, lists, directives, maths, autolinks).
_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:&=^\"'@")
_MARKER = re.compile(r"\[(\d+)\]")
HIGHLIGHT = "orange-background"


def escape_markdown(text: str, line_start: bool = True) -> str:
    """`text` as Markdown that displays exactly these characters (line breaks kept).

    Indentation at the start of a line is dropped (Markdown would read it as a code block);
    `line_start=False` keeps the leading spaces of a piece that continues a line.
    """
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for n, line in enumerate(lines):
        if n or line_start:
            line = line.lstrip(" \t\u3000")
        out.append("".join("\\" + ch if ch in _SPECIAL else ch for ch in line))
    # a hard line break between lines of the source; blank lines stay paragraph breaks
    return "  \n".join(out).replace("  \n  \n", "\n\n")


def merge_spans(spans, length: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans clipped to [0, length]."""
    clean = sorted((max(0, int(s)), min(length, int(e))) for s, e in spans if int(e) > int(s))
    merged: list[tuple[int, int]] = []
    for s, e in clean:
        if s >= length:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight_markdown(text: str, spans, style: str = HIGHLIGHT) -> str:
    """Escaped `text` with the character spans wrapped in a `:style[…]` directive."""
    parts = []
    pos = 0
    for s, e in merge_spans(spans or [], len(text)):
        if s > pos:
            parts.append(escape_markdown(text[pos:s], line_start=pos == 0))
        inner = escape_markdown(text[s:e], line_start=s == 0).strip()
        # a directive cannot span a paragraph break: highlight each paragraph on its own
        parts.append("\n\n".join(f":{style}[{p}]" if p.strip() else p for p in inner.split("\n\n")))
        pos = e
    if pos < len(text):
        parts.append(escape_markdown(text[pos:], line_start=pos == 0))
    return "".join(parts)


def find_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Every occurrence of `needle` in `text`, ignoring case."""
    if not needle:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text, flags=re.IGNORECASE)]


def answer_markdown(answer: str, link_markers: bool = False) -> str:
    """An engine answer ('… [1]\\n- … [2]') as Markdown: escaped text, bullets kept, markers as badges.

    With `link_markers`, each [n] is a link to `#cite-n`, the anchor of citation card n (`citation_anchor`).
    """
    lines = []
    for raw in answer.split("\n"):
        bullet = raw.startswith("- ")
        body = raw[2:] if bullet else raw
        pieces, pos = [], 0
        for m in _MARKER.finditer(body):
            pieces.append(escape_markdown(body[pos:m.start()]))
            badge = f":blue-badge[{m.group(1)}]"
            pieces.append(f"[{badge}](#{citation_anchor(int(m.group(1)))})" if link_markers else badge)
            pos = m.end()
        pieces.append(escape_markdown(body[pos:]))
        line = "".join(pieces).strip()
        lines.append(f"- {line}" if bullet else line)
    # paragraphs for plain lines, a tight list for bullets
    out = []
    for i, line in enumerate(lines):
        if i and not (line.startswith("- ") and lines[i - 1].startswith("- ")):
            out.append("")
        out.append(line)
    return "\n".join(out)


def citation_anchor(rank: int) -> str:
    """The id of citation card `rank` on the answer page, what its [n] markers link to."""
    return f"cite-{int(rank)}"


def excerpt_spans(text: str, spans, fallback_chars: int = 90) -> list[tuple[int, int]]:
    """The spans of `text` a compact card shows: the used sentences, else the opening characters."""
    merged = merge_spans(spans or [], len(text))
    return merged or [(0, min(len(text), fallback_chars))]


def excerpt_markdown(text: str, spans, style: str = HIGHLIGHT) -> str:
    """Only the used sentences of a clause (highlighted), joined by '……' where text is left out."""
    parts = []
    shown = excerpt_spans(text, spans)
    for s, e in shown:
        piece = escape_markdown(text[s:e].strip()).replace("  \n", " ").replace("\n\n", " ")
        parts.append(f":{style}[{piece}]" if spans else piece)
    lead = "……" if shown[0][0] > 0 else ""
    tail = "……" if shown[-1][1] < len(text.rstrip()) else ""
    return lead + "……".join(parts) + tail


def outcome_of(answer: dict) -> str:
    """The answer's `outcome` ("answered" | "partial" | "not_covered"); from `abstained` when it has none."""
    outcome = answer.get("outcome")
    if outcome in ("answered", "partial", "not_covered"):
        return outcome
    return "not_covered" if answer.get("abstained") else "answered"


def plain_answer(result: dict) -> str:
    """The question, answer and citations as plain text, for copying."""
    answer = result["answer"]
    lines = [f"问：{result['question']}", f"答：{answer['answer']}"]
    if answer.get("missing"):
        lines.append(f"（{answer['missing']}）")
    if answer["citations"]:
        lines.append("")
        lines.append("依据：")
        for c in answer["citations"]:
            lines.append(f"[{c['rank']}] {c.get('label') or '《' + c['doc_title'] + '》' + path_label(c['path'])}")
    return "\n".join(lines)


def path_label(path: list[str], empty: str = "前言") -> str:
    return " › ".join(path) if path else empty


def parse_table_row(text: str) -> tuple[str, dict[str, str]]:
    """A table_row clause ('指标： 2015年 81; 2020年 实现脱贫； 属性 约束性； 数据来源 省扶贫办') → cells."""
    from qa.digest import parse_table_row as parse

    return parse(text)


def table_rows(texts: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Column names and one dict per row for the texts of a run of table_row clauses (the 专栏1 table)."""
    columns = ["指标"]
    rows = []
    for text in texts:
        indicator, cells = parse_table_row(text)
        for k in cells:
            if k not in columns:
                columns.append(k)
        rows.append({"指标": indicator, **cells})
    return columns, rows
