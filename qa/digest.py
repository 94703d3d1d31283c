"""Training material: a digest of a topic or chapter, and a quiz from the plan's figures and lists.

Everything is cut from the clauses themselves (no language model): key targets and figures are the
sentence fragments that state a number, and the rows of tables; measures are the clauses' lead
phrases with their first sentence; quiz questions blank out a figure, ask for a table cell or for
the items of a 专栏.  Every line keeps the clause it came from, so it can be cited.
"""
from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field

from indexer.clause import Clause
from indexer.normalize import normalize

from .facts import split_sentences

PREAMBLE = "前言"
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万|亿|个|人|户|所|家|名|公里|千米|平方米|元|次|倍|项|座|条|处|亩|吨)")
_YEAR = re.compile(r"(?:到|至|截至|在)?\s*(?:20\d\d)\s*年(?:底|前|末)?")
_VERB = re.compile(r"(达到|提高到|提升到|提高至|降至|降到|降低到|控制在|不低于|不少于|超过|增加到|减少到|实现|完成)")
_FRAGMENT = re.compile(r"[^,，;；。]+")
_ITEM_NUMBER = re.compile(r"^\s*[(（][一二三四五六七八九十]+[)）]\s*")
_COLUMN = re.compile(r"^专栏\s*\d+")


@dataclass
class Figure:
    """A key target or figure: '贫困地区农村集中供水率' → '达到85%'."""

    indicator: str
    value: str
    statement: str
    clause_id: str
    ref: int = 0
    row: dict = field(default_factory=dict)  # table cells for a table row ("2015年" → "81", …)


@dataclass
class Measure:
    title: str
    text: str
    clause_id: str
    section: str
    ref: int = 0
    document: str = ""  # over several documents: the document's label (《社会救助暂行办法》 · 现行有效)


@dataclass
class Reference:
    ref: int
    clause_id: str
    doc_title: str
    path: list[str]
    document: str = ""


@dataclass
class Digest:
    scope: str          # "topic" or "chapter"
    name: str
    title: str
    clause_ids: list[str]
    figures: list[Figure]
    measures: list[Measure]
    references: list[Reference]

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class QuizItem:
    number: int
    kind: str           # fill | table | choice | list
    question: str
    answer: str
    clause_id: str
    options: list[str] = field(default_factory=list)
    ref: int = 0

    def to_json(self) -> dict:
        return asdict(self)


# --- scope -------------------------------------------------------------------------------------
def chapter_of(clause: Clause) -> str:
    return clause.path[0] if clause.path else PREAMBLE


def list_chapters(clauses: list[Clause]) -> list[str]:
    """Chapter headings in document order (the preamble first when there is one)."""
    seen: list[str] = []
    for c in clauses:
        name = chapter_of(c)
        if name not in seen:
            seen.append(name)
    return seen


def list_topics(clauses: list[Clause], vocabulary=None) -> list[str]:
    """Benefit areas that tag at least one clause, in vocabulary order when one is given."""
    tagged = {t.split(":", 1)[1] for c in clauses for t in c.tags if t.startswith("topic:")}
    order = [c.label for c in vocabulary.concepts_of("topic")] if vocabulary is not None else []
    return [t for t in order if t in tagged] + sorted(tagged - set(order))


def select_clauses(clauses: list[Clause], topic: str | None = None, chapter: str | None = None) -> list[Clause]:
    if bool(topic) == bool(chapter):
        raise ValueError("pick exactly one of topic or chapter")
    if topic:
        return [c for c in clauses if f"topic:{topic}" in c.tags]
    return [c for c in clauses if chapter_of(c) == chapter]


# --- figures and measures ----------------------------------------------------------------------
def parse_table_row(text: str) -> tuple[str, dict[str, str]]:
    """'指标： 2015年 81; 2020年 实现脱贫； 属性 约束性' → ('指标', {'2015年': '81', …})."""
    indicator, sep, rest = text.partition(": ")
    if not sep:
        return text.strip(), {}
    cells: dict[str, str] = {}
    for part in rest.split("; "):
        head, _, value = part.strip().partition(" ")
        if head:
            cells[head] = value.strip()
    return indicator.strip(), cells


def _time_phrase(sentence: str) -> str:
    """The sentence's time frame: a leading '2011年至2015年' fragment, or an inner '到2020年'."""
    first = _FRAGMENT.match(sentence)
    if first and _YEAR.search(first.group(0)) and not _FIGURE.search(first.group(0)) and len(first.group(0)) <= 14:
        return first.group(0).strip()
    m = _YEAR.search(sentence)
    return m.group(0).strip() if m else ""


def _trivial(fragment: str) -> bool:
    """'至少有1名成员', '接受1次培训': a count of one says nothing worth learning by heart."""
    return all(re.match(r"1\s*\D", m.group(0)) and not m.group(0).rstrip().endswith(("%", "％", "万", "亿"))
               for m in _FIGURE.finditer(fragment))


def figures_in_text(text: str) -> list[tuple[str, str, str]]:
    """(indicator, value, statement) for each comma-separated fragment that states a figure."""
    out = []
    for s, e in split_sentences(text):
        sentence = text[s:e]
        when = _time_phrase(sentence)
        for frag in _FRAGMENT.findall(sentence):
            frag = frag.strip()
            if not _FIGURE.search(frag) or len(frag) < 4 or (_trivial(frag) and not _VERB.search(frag)):
                continue
            statement = frag if (not when or when in frag or _YEAR.search(frag)) else f"{when},{frag}"
            body = _YEAR.sub("", frag).strip(" ,，")
            m = _VERB.search(body)
            if m and m.start() > 0:
                indicator, value = body[: m.start()], body[m.start():]
            else:
                numbers = [x.group(0) for x in _FIGURE.finditer(body)]
                indicator, value = body, "、".join(numbers)
            indicator = _ITEM_NUMBER.sub("", indicator).strip()
            if when and not _YEAR.search(indicator):
                indicator = f"{when},{indicator}"  # '减贫25万人' means little without '2016年'
            out.append((indicator, value.strip(), statement))
    return out


def balanced(text: str) -> str:
    """Close a bracket the source left open ('增速(%' in the 专栏1 table as published)."""
    for left, right in (("(", ")"), ("（", "）")):
        if text.count(left) > text.count(right):
            text += right
    return text


def lead_sentence(clause: Clause) -> tuple[str, str]:
    """(title, first sentence that says what is done) for a measure bullet."""
    text = _ITEM_NUMBER.sub("", clause.text.strip())
    spans = split_sentences(text)
    sentences = [text[s:e].strip() for s, e in spans]
    title = clause.title.strip("—— ")
    if title and sentences and sentences[0].rstrip("。.").strip("—— ") == title:
        sentences = sentences[1:]
    body = sentences[0] if sentences else text
    if not title:
        title, body = "", body
    return title, body


def build_digest(clauses: list[Clause], topic: str | None = None, chapter: str | None = None,
                 vocabulary=None, documents: dict[str, str] | None = None) -> Digest:
    """A digest of every clause tagged with `topic`, or of every clause in `chapter`.

    With the vocabulary, a topic digest keeps only the figures whose sentence names the topic (a
    clause tagged 医疗 may also list the year's poverty-reduction targets). Over several documents,
    `documents` (doc_id → label) labels every measure and reference with its document, and measures are
    grouped by document (their section names it) in the order the clauses come.
    """
    chosen = select_clauses(clauses, topic, chapter)
    label = (lambda c: documents.get(c.doc_id, c.doc_title)) if documents else (lambda c: "")
    triggers = _topic_triggers(topic, vocabulary)

    def on_topic(statement: str) -> bool:
        return not triggers or any(t in normalize(statement) for t in triggers)
    refs: dict[str, Reference] = {}

    def ref(c: Clause) -> int:
        if c.clause_id not in refs:
            refs[c.clause_id] = Reference(len(refs) + 1, c.clause_id, c.doc_title, list(c.path), label(c))
        return refs[c.clause_id].ref

    figures: list[Figure] = []
    measures: list[Measure] = []
    for c in chosen:
        if c.kind == "table_row":
            indicator, cells = parse_table_row(c.text)
            value = _row_value(cells)
            if on_topic(c.text):
                figures.append(Figure(indicator, value, c.text, c.clause_id, ref(c), cells))
            continue
        for indicator, value, statement in figures_in_text(c.text):
            if on_topic(statement):
                figures.append(Figure(indicator, value, statement, c.clause_id, ref(c)))
        if c.kind in ("paragraph", "column_item"):
            title, body = lead_sentence(c)
            if title or body:
                section = c.path[-1] if c.path else PREAMBLE
                if documents:
                    section = f"{label(c)} › {section}"
                measures.append(Measure(title, body, c.clause_id, section, ref(c), label(c)))
    name = topic or chapter or ""
    title = f"{name}：政策要点摘编" if topic else f"{name}：要点摘编"
    ordered_refs = sorted(refs.values(), key=lambda r: r.ref)
    return Digest("topic" if topic else "chapter", name, title, [c.clause_id for c in chosen],
                  figures, measures, ordered_refs)


def _row_value(cells: dict[str, str]) -> str:
    """'85(2015年:75)' from a table row's year columns: the target, then the baseline."""
    years = [k for k in cells if re.fullmatch(r"(19|20)\d\d年", k)]
    if not years:
        return "; ".join(f"{k} {v}" for k, v in cells.items())
    target, base = years[-1], years[0]
    value = cells[target] or "—"
    if base != target and cells.get(base) and cells[base] != "—":
        value += f"（{base}：{cells[base]}）"
    return value


def _topic_triggers(topic: str | None, vocabulary) -> list[str]:
    if not topic or vocabulary is None:
        return []
    for c in vocabulary.concepts_of("topic"):
        if c.label == topic:
            return c.triggers
    return []


# --- quiz --------------------------------------------------------------------------------------
def _blank(statement: str, value: str) -> tuple[str, str] | None:
    """The statement with its (first) figure blanked out, and that figure."""
    offset = statement.find(value) if value and value in statement else 0
    m = _FIGURE.search(statement, offset) or _FIGURE.search(statement)
    if not m:
        return None
    return statement[: m.start()] + "____" + statement[m.end():], m.group(0)


def _column_items(clauses: list[Clause]) -> dict[str, list[Clause]]:
    columns: dict[str, list[Clause]] = {}
    for c in clauses:
        if c.kind == "column_item" and c.path and _COLUMN.match(c.path[-1]):
            columns.setdefault(c.path[-1], []).append(c)
    return columns


def build_quiz(digest: Digest, clauses: list[Clause], count: int = 8, seed: int = 0) -> list[QuizItem]:
    """Questions from the digest's figures and the 专栏 lists in its scope, each with its answer and clause.

    `clauses` is the whole knowledge base: wrong options of multiple-choice questions are drawn from
    other 专栏.  The same digest and seed give the same quiz.
    """
    rng = random.Random(seed)
    by_id = {c.clause_id: c for c in clauses}
    in_scope = [by_id[i] for i in digest.clause_ids if i in by_id]
    ref_of = {r.clause_id: r.ref for r in digest.references}
    candidates: list[QuizItem] = []
    for f in digest.figures:
        if f.row:
            year = next((k for k in f.row if re.fullmatch(r"20[2-9]\d年", k)), None)
            if year and f.row.get(year) and f.row[year] != "—":
                candidates.append(QuizItem(0, "table", f"按规划主要指标，“{balanced(f.indicator)}”到{year}的目标是什么？",
                                           f.row[year], f.clause_id, ref=f.ref))
            continue
        blanked = _blank(f.statement, f.value)
        if blanked and not _trivial(blanked[1] + " "):
            candidates.append(QuizItem(0, "fill", f"填空：{blanked[0]}", blanked[1], f.clause_id, ref=f.ref))
    all_columns = _column_items(clauses)
    for column, items in _column_items(in_scope).items():
        titles = [lead_sentence(c)[0] for c in items if lead_sentence(c)[0]]
        if len(titles) >= 2:
            candidates.append(QuizItem(0, "list", f"{column}包括哪些内容？（列出至少{min(3, len(titles))}项）",
                                       "、".join(titles), items[0].clause_id, ref=ref_of.get(items[0].clause_id, 0)))
        others = [lead_sentence(c)[0] for name, cs in all_columns.items() if name != column for c in cs]
        others = [t for t in others if t and t not in titles]
        if titles and len(others) >= 3:
            right = items[rng.randrange(len(items))]
            right_title = lead_sentence(right)[0]
            if right_title:
                options = rng.sample(others, 3) + [right_title]
                rng.shuffle(options)
                candidates.append(QuizItem(0, "choice", f"下列哪一项属于{column}?", right_title, right.clause_id,
                                           options=options, ref=ref_of.get(right.clause_id, 0)))
    # keep a mix of kinds: take them round-robin, in document order within each kind
    kinds: dict[str, list[QuizItem]] = {}
    for q in candidates:
        kinds.setdefault(q.kind, []).append(q)
    picked: list[QuizItem] = []
    seen_questions: set[str] = set()
    while len(picked) < count and any(kinds.values()):
        for kind in ("table", "fill", "choice", "list"):
            if kinds.get(kind) and len(picked) < count:
                q = kinds[kind].pop(0)
                if q.question not in seen_questions:
                    seen_questions.add(q.question)
                    picked.append(q)
    for n, q in enumerate(picked, 1):
        q.number = n
    return picked
