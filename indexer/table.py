"""Re-assembling a table whose cells arrive one per line (as in web copies of 专栏 indicator tables).

Rows are ragged: a baseline cell may be empty (the row simply has fewer cells), a text cell may be
split over two lines, and one cell may hold two sources.  The 属性 column (约束性/预期性) anchors
each row: cells before it are the indicator and its values, cells after it are the sources.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = re.compile(r"^(\d{4})\s*年?$")
HEADER_WORDS = {"指标", "属性", "指标属性", "数据来源", "来源", "单位", "备注", "责任单位", "牵头单位", "基期值", "目标值", "类型"}
ATTRIBUTE_HEADERS = {"属性", "指标属性", "类型"}
ATTRIBUTE_VALUES = {"约束性", "预期性"}
NUMBER = re.compile(r"^[<>≤≥约]?\s*-?\d+(?:\.\d+)?\s*[%‰万亿个人户]*$")
AGENCY = re.compile(r"^\S{1,14}(办|厅|局|委|部|院|会|中心|所|行|社|队)$")


@dataclass
class Row:
    text: str
    start: int
    end: int
    cells: dict[str, str]


def _squash(cell: str) -> str:
    return re.sub(r"\s+", "", cell)


def _is_header_cell(cell: str) -> bool:
    c = _squash(cell)
    return bool(YEAR.match(c)) or c in HEADER_WORDS


def looks_like_table_start(lines: list[str]) -> bool:
    """A header of short cells that names years or table columns (指标, 属性, 数据来源 …)."""
    head = lines[:6]
    if len(head) < 4 or any(len(l) > 16 for l in head[:4]):
        return False
    return sum(_is_header_cell(l) for l in head) >= 3


def _label(cell: str) -> str:
    c = _squash(cell)
    m = YEAR.match(c)
    return f"{m.group(1)}年" if m else c


def parse_table(cells: list[tuple[str, int, int]]) -> list[Row]:
    """One Row per data row; `cells` are (text, start, end) in document order, header first."""
    if not cells:
        return []
    n_header = 1
    while n_header < len(cells) and _is_header_cell(cells[n_header][0]):
        n_header += 1
    header = [_label(c[0]) for c in cells[:n_header]]
    body = cells[n_header:]
    columns = header[1:]  # the first header cell labels the indicator column
    attr_idx = next((i for i, h in enumerate(columns) if h in ATTRIBUTE_HEADERS), None)
    if attr_idx is None:
        return _fixed_width_rows(body, columns)
    return _anchored_rows(body, columns, attr_idx)


def _fixed_width_rows(body, columns) -> list[Row]:
    width = len(columns) + 1
    rows = []
    for k in range(0, len(body), width):
        chunk = body[k:k + width]
        values = [c[0] for c in chunk[1:]] + [""] * (width - len(chunk))
        rows.append(_make_row(chunk[0][0], dict(zip(columns, values)), chunk))
    return rows


def _anchored_rows(body, columns, attr_idx) -> list[Row]:
    value_cols, after_cols = columns[:attr_idx], columns[attr_idx + 1:]
    rows, k = [], 0
    while k < len(body):
        indicator = body[k]
        j = k + 1
        values = []
        while j < len(body) and _squash(body[j][0]) not in ATTRIBUTE_VALUES:
            values.append(body[j][0])
            j += 1
        if j >= len(body):  # no attribute cell: the rest is one incomplete row
            rows.append(_make_row(indicator[0], dict(zip(value_cols, _fit(values, len(value_cols)))), body[k:]))
            break
        attr = _squash(body[j][0])
        j += 1
        after = []
        for n in range(len(after_cols)):
            if j < len(body) and _squash(body[j][0]) not in ATTRIBUTE_VALUES:
                after.append(body[j][0])
                j += 1
        # a cell holding several sources arrives as several agency-like lines
        while after and j < len(body) and _is_extra_agency(body, j):
            after[-1] = f"{after[-1]}、{body[j][0]}"
            j += 1
        cells = dict(zip(value_cols, _fit(values, len(value_cols))))
        cells[columns[attr_idx]] = attr
        cells.update(zip(after_cols, after))
        rows.append(_make_row(indicator[0], cells, body[k:j]))
        k = j
    return rows


def _is_extra_agency(body, j) -> bool:
    """Body[j] continues the previous source cell rather than starting the next row."""
    cell = _squash(body[j][0])
    if not AGENCY.match(cell) or re.search(r"[(（]", cell):
        return False
    # the next row's indicator is followed by values and an attribute; an agency line is not
    return j + 1 >= len(body) or _squash(body[j + 1][0]) not in ATTRIBUTE_VALUES


def _fit(values: list[str], n: int) -> list[str]:
    """Map value cells onto n columns: rejoin a text cell split over lines, right-align short rows."""
    merged: list[str] = []
    for v in values:
        if merged and not NUMBER.match(_squash(v)) and not NUMBER.match(_squash(merged[-1])):
            merged[-1] += v.strip()
        else:
            merged.append(v.strip())
    if len(merged) > n:
        merged = merged[: n - 1] + ["".join(merged[n - 1:])]
    # a missing cell is the earlier (baseline) one: targets are always stated, baselines not
    return [""] * (n - len(merged)) + merged


def _make_row(indicator: str, cells: dict[str, str], span) -> Row:
    parts = [f"{k} {v or '—'}" for k, v in cells.items()]
    text = f"{indicator.strip()}: " + "; ".join(parts)
    return Row(text=text, start=span[0][1], end=span[-1][2], cells={"指标": indicator.strip(), **cells})
