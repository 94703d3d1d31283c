"""Display pieces shared by the pages: citation cards, clause blocks, tables from table rows."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import nav
from ui.text import escape_markdown, highlight_markdown, path_label, table_rows

MARK_STYLE = "background-color: rgba(255, 164, 33, 0.25)"


def rows_table(rows: list[tuple[str | None, str]], mark: str | None = None) -> None:
    """Table rows, as (clause id, row text) pairs, shown as one real table with every cell escaped.

    The row of clause `mark` (a deep link's target) is shaded.
    """
    columns, parsed = table_rows([text for _, text in rows])
    frame = pd.DataFrame([[escape_markdown(r.get(col, "")) for col in columns] for r in parsed],
                         columns=[escape_markdown(c) for c in columns])
    marked = [clause_id == mark for clause_id, _ in rows] if mark else []
    if any(marked):
        styled = frame.style.apply(lambda row: [MARK_STYLE if marked[row.name] else ""] * len(row), axis=1)
        st.table(styled, hide_index=True)
    else:
        st.table(frame, hide_index=True)


def clause_body(text: str, kind: str, highlights=()) -> None:
    """A clause's text with highlights; a table row as a one-row table."""
    if kind == "table_row":
        rows_table([(None, text)])
    else:
        st.markdown(highlight_markdown(text, highlights or []))


def citation_card(c: dict, muted: bool = False, link: bool = True, key: str | None = None) -> None:
    """A cited clause: [n], document title, clause path, the text with the used sentences highlighted."""
    with st.container(border=True, key=key):
        badge = f":{'gray' if muted else 'blue'}-badge[{c['rank']}] " if c.get("rank") else ""
        st.markdown(f"{badge}**{escape_markdown(c['doc_title'])}**")
        st.caption(escape_markdown(path_label(c["path"])))
        clause_body(c["text"], c.get("kind", ""), c.get("highlights"))
        if link:
            nav.clause_link(c["clause_id"])
