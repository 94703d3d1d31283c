"""Display pieces shared by the pages: citation cards, clause blocks, tables from table rows."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from ui import nav
from ui.text import (citation_anchor, escape_markdown, excerpt_markdown, excerpt_spans, highlight_markdown,
                     path_label, table_rows)

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


def citation_heading(c: dict, muted: bool = False) -> str:
    """[n] and the citation's `label` (title, article, 文号, status) when the engine gives one, else the title."""
    badge = f":{'gray' if muted else 'blue'}-badge[{c['rank']}] " if c.get("rank") else ""
    if c.get("label"):
        return f"{badge}**{escape_markdown(c['label'])}**"
    return f"{badge}**{escape_markdown(c['doc_title'])}**"


def citation_card(c: dict, muted: bool = False, link: bool = True, key: str | None = None, compact: bool = False,
                  on_report=None) -> None:
    """A cited clause: [n], its label, the used sentences highlighted.

    `compact` shows only the used sentences, with the whole clause on demand; its heading carries the
    anchor `#cite-n` the answer's [n] markers link to.  `on_report(c)`, when given, adds a
    "引用有误" button.
    """
    with st.container(border=True, key=key):
        anchor = ""
        if compact and c.get("rank"):  # a fixed tag with a number in it: the only HTML a card carries
            anchor = f'<span class="cite-anchor" id="{citation_anchor(c["rank"])}"></span>'
        st.markdown(anchor + citation_heading(c, muted), unsafe_allow_html=bool(anchor))
        if not c.get("label") or not compact:
            st.caption(escape_markdown(path_label(c["path"])))
        whole = c["text"].strip()
        full = False
        if compact and c.get("kind") != "table_row":
            st.markdown(excerpt_markdown(c["text"], c.get("highlights")))
            full = sum(e - s for s, e in excerpt_spans(c["text"], c.get("highlights"))) < len(whole)
        else:
            clause_body(c["text"], c.get("kind", ""), c.get("highlights"))
        if link or on_report or full:
            # one row of small actions keeps a card short on a phone
            with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                if full:
                    with st.popover("条款全文", icon=":material/article:", type="tertiary"):
                        st.caption(escape_markdown(path_label(c["path"])))
                        clause_body(c["text"], c.get("kind", ""), c.get("highlights"))
                if link:
                    nav.clause_link(c["clause_id"], label="原文位置")
                if on_report:
                    on_report(c)


def copy_button(text: str, label: str = "复制回答", done: str = "已复制") -> None:
    """A button that copies `text` to the clipboard (with a fallback for pages not served over https)."""
    payload = json.dumps(text, ensure_ascii=True).replace("</", "<\\/")
    st.iframe(f"""
<button id="copy" style="font:14px sans-serif;padding:4px 12px;border:1px solid #d0d3da;border-radius:8px;
 background:#fff;color:#31333f;cursor:pointer">{label}</button>
<script>
const text = {payload};
const button = document.getElementById("copy");
function fallback() {{
  const area = document.createElement("textarea");
  area.value = text; document.body.appendChild(area); area.select();
  try {{ document.execCommand("copy"); }} finally {{ area.remove(); }}
}}
button.addEventListener("click", async () => {{
  try {{ await navigator.clipboard.writeText(text); }} catch (e) {{ fallback(); }}
  button.textContent = "✓ {done}";
  setTimeout(() => {{ button.textContent = "{label}"; }}, 2000);
}});
</script>""", height=38, width=160)
