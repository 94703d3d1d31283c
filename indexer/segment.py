"""Cutting a cleaned document into a tree of citable clauses.

Headings recognised, outermost first: 第X编/部分 › 第X章 › 第X节 › 一、 › (一) › 1. › (1), plus
第X条 articles and 专栏N boxes (whose (一)(二)… items or paragraphs become `column_item` clauses
and whose cells-one-per-line table becomes `table_row` clauses).  A numbered line that carries a
whole sentence is an item paragraph, not a heading; a paragraph after it with a deeper number has
that item in its path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .clause import Clause, Document
from .records import references_in
from .table import looks_like_table_start, parse_table

CN_DIGITS = "零〇一二三四五六七八九十百千两"
_NUM = rf"[{CN_DIGITS}\d]+"

# (level, id prefix, pattern); lower level = outer.
HEADING_PATTERNS = [
    (0, "pt", re.compile(rf"^第({_NUM})(?:编|部分)(?:\s|$)")),
    (1, "ch", re.compile(rf"^第({_NUM})章(?:\s|$)")),
    (2, "s", re.compile(rf"^第({_NUM})节(?:\s|$)")),
    (3, "a", re.compile(rf"^([{CN_DIGITS}]+)、")),
    (4, "b", re.compile(rf"^[(（]([{CN_DIGITS}]+)[)）]")),
    (5, "c", re.compile(r"^(\d{1,2})[.．、](?!\d)")),
    (6, "d", re.compile(r"^[(（](\d{1,2})[)）]")),
]
ARTICLE = re.compile(rf"^第({_NUM})条(?:之({_NUM}))?")
# an attachment after the last article ("附件", "附件2：…清单") is not part of that article
ANNEX = re.compile(rf"^附件\s*({_NUM})?\s*(?:[:：]|$)")
# an article's enumerated items: (一) 一、 1. (1) at the start of a line
ITEM_START = re.compile(rf"^(?:[(（][{CN_DIGITS}]+[)）]|[{CN_DIGITS}]+、|\d{{1,2}}[.．、](?!\d)|[(（]\d{{1,2}}[)）])")
COLUMN = re.compile(rf"^专栏\s*({_NUM})")
SENTENCE_END = re.compile(r"[。；;！!？?]")
MAX_HEADING_CHARS = 40
# Paragraphs longer than this are cut at sentence ends so each clause stays quotable and embeddable.
MAX_CLAUSE_CHARS = 900


@dataclass
class Line:
    text: str
    start: int
    end: int
    box_break_before: bool  # a box delimiter (two blank lines) precedes this line


def cn_to_int(token: str) -> int:
    """'十二' → 12, '一百零五' → 105, '7' → 7."""
    if token.isdigit():
        return int(token)
    values = {c: i for i, c in enumerate("零一二三四五六七八九")}
    values.update({"〇": 0, "两": 2})
    total, section, digit = 0, 0, 0
    for ch in token:
        if ch in values:
            digit = values[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            section += (digit or 1) * unit
            digit = 0
    return total + section + digit


def split_lines(text: str) -> list[Line]:
    lines, pos, blanks = [], 0, 0
    for raw in text.split("\n"):
        if raw.strip():
            lines.append(Line(raw, pos, pos + len(raw), blanks >= 2))
            blanks = 0
        else:
            blanks += 1
        pos += len(raw) + 1
    return lines


def heading_level(text: str) -> tuple[int, str, int] | None:
    """(level, id prefix, number) when the line is a heading on its own, else None."""
    if len(text) > MAX_HEADING_CHARS or SENTENCE_END.search(text):
        return None
    for level, prefix, pattern in HEADING_PATTERNS:
        m = pattern.match(text)
        if m:
            return level, prefix, cn_to_int(m.group(1))
    return None


def item_level(text: str) -> tuple[int, str] | None:
    """(level, label) for a paragraph that starts with an enumerator: '(一)…' → (4, '(一)农林种养产业扶贫工程')."""
    for level, _prefix, pattern in HEADING_PATTERNS[3:]:
        m = pattern.match(text)
        if m:
            rest = text[m.end():]
            return level, text[: m.end()] + (lead_phrase(rest) or rest[:20])
    return None


def lead_phrase(text: str, limit: int = 30) -> str:
    """The paragraph's lead sentence when it is a short title ('实行贫困人口分类救治'), else ''."""
    m = SENTENCE_END.search(text)
    if not m or m.start() > limit:
        return ""
    return text[: m.start()].strip()


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.clauses: list[Clause] = []
        self.counters: dict[str, int] = {}
        self.used_ids: set[str] = set()

    def next_id(self, container: str, letter: str) -> str:
        key = f"{container}/{letter}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{key}{self.counters[key]:02d}"

    def unique(self, clause_id: str) -> str:
        candidate, n = clause_id, 1
        while candidate in self.used_ids:
            n += 1
            candidate = f"{clause_id}-{n}"
        self.used_ids.add(candidate)
        return candidate

    def add(self, container: str, letter: str, path: list[str], kind: str, start: int, end: int,
            text: str | None = None, title: str | None = None) -> None:
        body = self.doc.text[start:end] if text is None else text
        pieces = [(start, end)] if text is not None else split_long(self.doc.text, start, end)
        base = self.next_id(container, letter)
        for n, (s, e) in enumerate(pieces, 1):
            clause_id = base if len(pieces) == 1 else f"{base}-{n}"
            piece_text = body if len(pieces) == 1 else self.doc.text[s:e]
            self.clauses.append(Clause(
                clause_id=self.unique(clause_id), doc_id=self.doc.doc_id, doc_title=self.doc.title,
                path=list(path), kind=kind, text=piece_text, start=s, end=e,
                title=(title if title is not None else item_title(piece_text)) if n == 1 else "",
            ))


def item_title(text: str) -> str:
    m = re.match(r"^(?:[(（][^)）]{1,4}[)）]|[一二三四五六七八九十]+、|\d{1,2}[.．、])", text)
    body = text[m.end():] if m else text
    return lead_phrase(body)


def split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut [start, end) at sentence ends into pieces of at most MAX_CLAUSE_CHARS (where possible)."""
    if end - start <= MAX_CLAUSE_CHARS:
        return [(start, end)]
    pieces, piece_start, last_cut = [], start, start
    for m in re.finditer(r"[。；;！!？?]", text[start:end]):
        cut = start + m.end()
        if cut - piece_start > MAX_CLAUSE_CHARS and last_cut > piece_start:
            pieces.append((piece_start, last_cut))
            piece_start = last_cut
        last_cut = cut
    pieces.append((piece_start, end))
    return pieces


def segment_document(doc: Document) -> list[Clause]:
    """The clauses of a cleaned document, in document order."""
    b = _Builder(doc)
    lines = split_lines(doc.text)
    heads: list[tuple[int, str, str]] = []  # (level, id segment, heading text)
    column: tuple[str, str] | None = None   # (id segment, heading text) while inside a 专栏
    item_parent: tuple[int, str] | None = None  # the enumerated item paragraph deeper items hang under
    lead_in: str | None = None  # "必须遵循以下原则:" — the dash items (——…) after it hang under it
    preamble: list[Line] = []
    seen_structure = False
    article: tuple[str, list[str], int, int] | None = None  # (id, path, start, end) being extended
    article_lists = False  # the open article's last line leads in to items (ends in ：) or is one of them
    annex: str | None = None  # the id segment of the 附件 the lines are in, once an attachment has begun
    i = 0

    def container() -> str:
        segs = [seg for _, seg, _ in heads]
        if column:
            segs = [column[0]]
        return "/".join([doc.doc_id, *segs]) if segs else doc.doc_id

    def path() -> list[str]:
        p = [h for _, _, h in heads]
        if column:
            p.append(column[1])
        if item_parent:
            p.append(item_parent[1])
        return p

    def flush_article() -> None:
        """The article as one clause (its items inside it); a long one in parts that all keep its number."""
        nonlocal article, article_lists
        if article:
            art_id, art_path, s, e = article
            label = ARTICLE.match(doc.text[s:e]).group(0)
            for n, (ps, pe) in enumerate(split_long(doc.text, s, e), 1):
                while ps < pe and doc.text[ps].isspace():
                    ps += 1   # a part starts at its first word, not at the blank line before it
                b.clauses.append(Clause(clause_id=b.unique(art_id if n == 1 else f"{art_id}-{n}"), doc_id=doc.doc_id,
                                        doc_title=doc.title, path=list(art_path), kind="paragraph",
                                        text=doc.text[ps:pe], start=ps, end=pe,
                                        title=article_title(doc.text[s:e]) if n == 1 else "", article=label))
            article = None
            article_lists = False

    while i < len(lines):
        line = lines[i]
        text = line.text
        if column and line.box_break_before:
            column = None
            item_parent = None
        col = COLUMN.match(text)
        head = heading_level(text)
        if col and len(text) <= 60 and not SENTENCE_END.search(text):
            flush_article()
            seen_structure = True
            column = (f"col{cn_to_int(col.group(1)):02d}", text)
            item_parent = lead_in = None
            table_lines = []
            j = i + 1
            if j < len(lines) and looks_like_table_start([l.text for l in lines[j:j + 8]]):
                while j < len(lines) and not lines[j].box_break_before and not SENTENCE_END.search(lines[j].text) \
                        and len(lines[j].text) <= 40 and heading_level(lines[j].text) is None:
                    table_lines.append(lines[j])
                    j += 1
                for row in parse_table([(l.text, l.start, l.end) for l in table_lines]):
                    b.add(f"{doc.doc_id}/{column[0]}", "r", path(), "table_row", row.start, row.end,
                          text=row.text, title=row.cells["指标"])
                i = j
                continue
            i += 1
            continue
        if article and not column and article_lists and head and head[0] >= 3:
            head = None   # a short item "(一)扶贫、济困" after "…下列公益活动：" belongs to the article
        annex_line = ANNEX.match(text) if (article or annex) and len(text) <= 60 and not SENTENCE_END.search(text) else None
        if annex_line:
            flush_article()
            annex = f"annex{cn_to_int(annex_line.group(1)) if annex_line.group(1) else 1:02d}"
            heads = [(0, annex, text)]
            column = item_parent = lead_in = None
            i += 1
            continue
        if head and head[0] <= 2 or (head and not column):
            flush_article()
            seen_structure = True
            level, prefix, number = head
            if level <= 2:
                column = None
            heads = [h for h in heads if h[0] < level]
            heads.append((level, f"{prefix}{number:02d}", text))
            item_parent = lead_in = None
            i += 1
            continue
        art = ARTICLE.match(text)
        if art:
            flush_article()
            seen_structure = True
            number = f"art{cn_to_int(art.group(1)):03d}" + (f"_{cn_to_int(art.group(2))}" if art.group(2) else "")
            art_id = "/".join([doc.doc_id, *([annex] if annex else []), number])
            article = (art_id, path(), line.start, line.end)
            article_lists = text.rstrip().endswith((":", "："))
            i += 1
            continue
        if article and not column:
            art_id, art_path, s, _ = article
            article = (art_id, art_path, s, line.end)
            article_lists = text.rstrip().endswith((":", "：")) or bool(ITEM_START.match(text)) and article_lists
            i += 1
            continue
        if not seen_structure:
            preamble.append(line)
            i += 1
            continue
        # An ordinary paragraph (or item paragraph) under the current headings.
        item = item_level(text)
        if item_parent and (not item or item[0] <= item_parent[0]):
            item_parent = None
        dash_item = text.startswith(("——", "—", "－－"))
        if lead_in and not dash_item:
            lead_in = None
        kind = "column_item" if column else "paragraph"
        letter = "i" if column and item else "p"
        b.add(container(), letter, path() + ([lead_in] if lead_in else []), kind, line.start, line.end)
        if not dash_item and len(text) <= 60 and text.endswith((":", "：")):
            lead_in = text
        if item and item_parent is None:
            item_parent = item  # later paragraphs with a deeper enumerator hang under this one
        i += 1
    flush_article()
    clauses = segment_preamble(doc, preamble, structured=seen_structure) + b.clauses
    for clause in clauses:
        clause.refs = references_in(clause.text)
    return clauses


def article_title(text: str) -> str:
    """An article's lead phrase, read from its first line only: '特困人员供养的内容包括：' → '特困人员供养的内容包括'."""
    first = ARTICLE.sub("", text.split("\n", 1)[0]).strip()
    if first.endswith((":", "：")) and len(first) <= 31:
        return first[:-1]
    return lead_phrase(first)


def article_items(clause: Clause) -> list[tuple[str, int, int]]:
    """The enumerated items of an article clause as (label, start, end) offsets in its text:
    '(一)提供基本生活条件；' → ('(一)', s, e). Items of one kind of enumerator (the first one met) are
    listed; deeper ones ((1), 1.) stay inside their item. A paragraph with no enumerator ends an item."""
    items: list[list] = []
    style = None
    pos = 0
    for raw in clause.text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        line = raw.strip()
        if not line:
            continue
        m = ITEM_START.match(line)
        if m is None:
            if items and items[-1] is not None:
                items.append(None)   # a paragraph after the items closes the last one
            continue
        kind = _enumerator_style(m.group(0))
        style = style or kind
        offset = start + (len(raw) - len(raw.lstrip()))
        if kind == style:
            items.append([m.group(0), offset, end])
        elif items and items[-1] is not None:
            items[-1][2] = end       # a deeper enumerator stays inside its item
    return [tuple(it) for it in items if it is not None]


def _enumerator_style(label: str) -> str:
    if re.match(r"^[(（]\d", label):
        return "(1)"
    if re.match(r"^\d", label):
        return "1."
    if re.match(r"^[(（]", label):
        return "(一)"
    return "一、"


DATE_LINE = re.compile(r"^(\d{4}\s*年?\s*\d{0,2}\s*月?\s*\d{0,2}\s*日?|[〇零一二三四五六七八九十]{4}年.{1,3}月.{1,3}日)$")


def segment_preamble(doc: Document, lines: list[Line], structured: bool = True) -> list[Clause]:
    """Preamble paragraphs (a notice, an introduction) before the first heading.

    Short lines (titles, addressees, signatures) are not clauses of their own: a run of them joins
    the next paragraph, except a signature block ending in a date, which closes the paragraph before.
    A document with no headings at all is all "preamble": its paragraphs become plain paragraphs.
    """
    kind, prefix = ("preamble", f"{doc.doc_id}/pre/p") if structured else ("paragraph", f"{doc.doc_id}/p")
    groups: list[list[Line]] = []
    run: list[Line] = []
    for line in lines:
        is_short = len(line.text) <= MAX_HEADING_CHARS and not re.search(r"[。！？]$", line.text)
        if is_short:
            run.append(line)
            if DATE_LINE.match(line.text.replace(" ", "")) and groups:
                groups[-1].extend(run)
                run = []
            continue
        groups.append(run + [line])
        run = []
    if run:
        if groups:
            groups[-1].extend(run)
        else:
            groups.append(run)
    clauses = []
    for n, group in enumerate(groups, 1):
        start, end = group[0].start, group[-1].end
        text = doc.text[start:end]
        clauses.append(Clause(clause_id=f"{prefix}{n:02d}", doc_id=doc.doc_id, doc_title=doc.title,
                              path=[], kind=kind, text=text, start=start, end=end, title=lead_phrase(text)))
    return clauses


def uncovered_lines(doc: Document, clauses: list[Clause]) -> list[tuple[int, str]]:
    """Lines of the cleaned text that no clause covers and that are not headings: what was not placed.

    A table's header cells (指标, 2015, 属性 …) stand between its 专栏 heading and its first row; they
    are part of every row's text, so they count as placed.
    """
    headings = {h for c in clauses for h in c.path}
    ordered = sorted(clauses, key=lambda c: c.start)
    missing = []
    k = 0
    for line in split_lines(doc.text):
        if line.text in headings:
            continue
        while k < len(ordered) and ordered[k].end < line.start:
            k += 1
        if k < len(ordered) and ordered[k].start <= line.start and line.end <= ordered[k].end:
            continue
        if k < len(ordered) and ordered[k].kind == "table_row" and (k == 0 or ordered[k - 1].kind != "table_row"):
            continue  # the table's header
        missing.append((line.start, line.text))
    return missing
