"""浏览文件: the document tree (chapters, sections, 专栏, items, tables), search-within, deep links.

`?clause=<clause id>` opens this page at that clause: it is shown first, with its neighbours,
and its chapter is opened in the tree below with the clause marked.
"""
from __future__ import annotations

from itertools import groupby

import streamlit as st

from indexer.errors import BadInput
from ui.state import knowledge_base
from ui.text import escape_markdown, find_spans, highlight_markdown, path_label
from ui.widgets import clause_body, rows_table

PREAMBLE = "前言"
MAX_HITS = 60


def chapter_of(clause) -> str:
    return clause.path[0] if clause.path else PREAMBLE


def render() -> None:
    kb = knowledge_base()
    st.title("浏览文件")
    documents = kb.documents()
    if not documents:
        st.info("还没有收录任何文件。")
        return

    target = None
    wanted = st.query_params.get("clause")
    if wanted:
        try:
            target = kb.clause(wanted)
        except BadInput:
            st.warning(f"找不到条款 {escape_markdown(wanted)}，它可能已随文件删除。")

    titles = {d["doc_id"]: d["title"] for d in documents}
    ids = list(titles)
    default = ids.index(target.doc_id) if target and target.doc_id in ids else 0
    if len(ids) > 1:
        doc_id = st.selectbox("文件", ids, index=default, format_func=lambda i: titles[i], key="browse_doc")
    else:
        doc_id = ids[0]
    doc = next(d for d in documents if d["doc_id"] == doc_id)
    meta = [doc.get("issuer"), doc.get("doc_number"), doc.get("published") or doc.get("issued") or doc.get("date"),
            doc.get("status")]
    st.caption(escape_markdown(" · ".join(m for m in meta if m) + f" · 共 {doc['clauses']} 条"))

    clauses = kb.clauses(doc_id)
    if target and target.doc_id == doc_id:
        show_target(target, clauses)

    query = st.text_input("在文件中查找", key="browse_query", max_chars=60, placeholder="输入词语，例如：危房",
                          icon=":material/search:")
    if query.strip():
        show_search(clauses, query.strip())
        return
    show_tree(clauses, target.clause_id if target and target.doc_id == doc_id else None)


def _go_to(clause_id: str) -> None:
    st.query_params["clause"] = clause_id  # the address bar then holds the deep link to this clause
    st.session_state["browse_query"] = ""


def goto_button(clause_id: str, label: str, key: str, icon: str = ":material/my_location:") -> None:
    """Move this page to a clause. (A page link to the page one is on does not navigate.)"""
    st.button(label, key=key, type="tertiary", icon=icon, on_click=_go_to, args=(clause_id,))


def show_target(target, clauses) -> None:
    with st.container(border=True, key="browse_target"):
        st.markdown(f":orange-badge[定位条款] **{escape_markdown(path_label(target.path))}**")
        clause_body(target.text, target.kind)
        st.caption(f"条款编号：{escape_markdown(target.clause_id)} · 复制浏览器地址栏中的网址，即可分享本条")
        ids = [c.clause_id for c in clauses]
        i = ids.index(target.clause_id) if target.clause_id in ids else -1
        left, right = st.columns(2)
        if i > 0:
            with left:
                goto_button(ids[i - 1], "上一条", "browse_prev", ":material/arrow_back:")
        if 0 <= i < len(ids) - 1:
            with right:
                goto_button(ids[i + 1], "下一条", "browse_next", ":material/arrow_forward:")


def show_search(clauses, query: str) -> None:
    hits = [c for c in clauses if find_spans(c.text, query) or find_spans(" ".join(c.path), query)]
    if not hits:
        st.info(f"文件中没有找到“{escape_markdown(query)}”。")
        return
    st.caption(f"找到 {len(hits)} 条含“{escape_markdown(query)}”的条款"
               + (f"，显示前 {MAX_HITS} 条" if len(hits) > MAX_HITS else ""))
    for c in hits[:MAX_HITS]:
        with st.container(border=True):
            st.caption(escape_markdown(path_label(c.path)))
            st.markdown(highlight_markdown(c.text, find_spans(c.text, query)))
            goto_button(c.clause_id, "定位到此条", f"browse_hit_{c.clause_id}")


def show_tree(clauses, target_id: str | None) -> None:
    for chapter, members in groupby(clauses, key=chapter_of):
        members = list(members)
        opened = any(c.clause_id == target_id for c in members)
        with st.expander(escape_markdown(chapter), expanded=opened):
            show_chapter(members, target_id)


def show_chapter(members, target_id: str | None) -> None:
    """Headings as the path changes; a 专栏 is drawn as a box; a run of table rows is one table."""
    shown: list[str] = members[0].path[:1]
    for path, block in groupby(members, key=lambda c: tuple(c.path)):
        block, path = list(block), list(path)
        column_at = next((i for i, h in enumerate(path) if h.startswith("专栏")), None)
        outer = path[:column_at] if column_at is not None else path
        for depth in range(1, len(outer)):
            if depth >= len(shown) or shown[depth] != outer[depth]:
                st.markdown(f"##### {escape_markdown(outer[depth])}")
        shown = path
        if column_at is None:
            show_clauses(block, target_id)
            continue
        with st.container(border=True):
            for heading in path[column_at:]:
                st.markdown(f"**:blue[{escape_markdown(heading)}]**")
            show_clauses(block, target_id)


def show_clauses(block, target_id: str | None) -> None:
    for kind, run in groupby(block, key=lambda c: c.kind):
        run = list(run)
        if kind == "table_row":
            rows_table([(c.clause_id, c.text) for c in run], mark=target_id)
            continue
        for c in run:
            is_target = c.clause_id == target_id
            with st.container(border=is_target, key=f"clause_{c.clause_id.replace('/', '_')}"):
                if is_target:
                    st.markdown(":orange-badge[定位条款]")
                st.markdown(escape_markdown(c.text))
                goto_button(c.clause_id, "定位到此条", f"browse_goto_{c.clause_id}")


if __name__ == "__main__":
    render()
