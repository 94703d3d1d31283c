"""培训材料: a digest of a topic or chapter (targets table, measures as bullets) and a quiz, exportable."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from qa.digest import build_digest, build_quiz, list_chapters, list_topics
from ui import export, nav
from ui.state import knowledge_base
from ui.text import escape_markdown, path_label

BY_CHAPTER = "按章节"
BY_TOPIC = "按政策方面"


def render() -> None:
    kb = knowledge_base()
    st.title("培训材料")
    st.caption("选一个章节或政策方面，自动整理要点：主要目标和数据、主要举措和测验题，每条都注明依据条款。")
    clauses = kb.clauses()
    documents = kb.documents()
    if len(documents) > 1:
        titles = {d["doc_id"]: d["title"] for d in documents}
        doc_id = st.selectbox("文件", list(titles), format_func=lambda i: titles[i], key="train_doc")
        scope_clauses = kb.clauses(doc_id)
    else:
        scope_clauses = clauses
    topics = list_topics(scope_clauses, kb.vocabulary)
    modes = [BY_CHAPTER] + ([BY_TOPIC] if topics else [])
    mode = st.segmented_control("整理方式", modes, default=BY_CHAPTER, key="train_mode") or BY_CHAPTER
    if mode == BY_TOPIC:
        topic = st.selectbox("政策方面", topics, key="train_topic")
        digest = build_digest(scope_clauses, topic=topic, vocabulary=kb.vocabulary)
    else:
        chapters = list_chapters(scope_clauses)
        first = next((i for i, c in enumerate(chapters) if c.startswith("第")), 0)  # skip the preamble
        chapter = st.selectbox("章节", chapters, index=first, key="train_chapter")
        digest = build_digest(scope_clauses, chapter=chapter)
    count = st.slider("测验题数", 3, 15, 8, key="train_quiz_count")
    seed = st.session_state.get("train_seed", 0)
    quiz = build_quiz(digest, clauses, count=count, seed=seed)

    st.subheader(escape_markdown(digest.title))
    st.caption(f"共 {len(digest.clause_ids)} 条条款 · {len(digest.figures)} 项目标和数据 · "
               f"{len(digest.measures)} 项举措 · {len(quiz)} 道测验题")
    left, right = st.columns(2)
    name = digest.name.replace(" ", "_").replace("/", "_")
    left.download_button("导出 Markdown", export.digest_markdown(digest, quiz), file_name=f"培训材料_{name}.md",
                         mime="text/markdown", icon=":material/description:", key="train_download_md",
                         on_click="ignore", width="stretch")
    right.download_button("导出 Word（DOCX）", export.digest_docx(digest, quiz), file_name=f"培训材料_{name}.docx",
                          mime=export.DOCX_MIME, icon=":material/article:", key="train_download_docx",
                          on_click="ignore", width="stretch")

    tab_digest, tab_quiz, tab_refs = st.tabs(["要点", "测验题", "依据条款"])
    with tab_digest:
        show_digest(digest)
    with tab_quiz:
        show_quiz(quiz)
    with tab_refs:
        show_references(digest)


def show_digest(digest) -> None:
    if digest.figures:
        st.markdown("##### 主要目标和数据")
        frame = pd.DataFrame([[escape_markdown(f.indicator), escape_markdown(f.value), f"\\[{f.ref}\\]"]
                              for f in digest.figures], columns=["指标", "目标/数值", "依据"])
        st.table(frame, hide_index=True)
    if digest.measures:
        st.markdown("##### 主要举措")
        section = None
        lines: list[str] = []
        for m in digest.measures:
            if m.section != section:
                if lines:
                    st.markdown("\n".join(lines))
                    lines = []
                section = m.section
                st.markdown(f"**{escape_markdown(section)}**")
            head = f"**{escape_markdown(m.title)}**：" if m.title else ""
            lines.append(f"- {head}{escape_markdown(m.text)} :blue-badge[{m.ref}]")
        if lines:
            st.markdown("\n".join(lines))
    if not digest.figures and not digest.measures:
        st.info("这一部分没有可整理的条款。")


def show_quiz(quiz) -> None:
    if not quiz:
        st.info("这一部分没有可出题的数字或清单。换一个章节或方面试试。")
        return
    if st.button("换一组题", icon=":material/refresh:", key="train_reseed"):
        st.session_state["train_seed"] = st.session_state.get("train_seed", 0) + 1
        st.rerun()
    for q in quiz:
        with st.container(border=True, key=f"quiz_{q.number}"):
            st.markdown(f"**{q.number}.** {escape_markdown(q.question)}")
            for letter, option in zip("ABCD", q.options):
                st.markdown(f"{letter}\\. {escape_markdown(option)}")
            with st.expander("参考答案"):
                st.markdown(f"{escape_markdown(q.answer)} :blue-badge[{q.ref}]")
                nav.clause_link(q.clause_id)


def show_references(digest) -> None:
    for r in digest.references:
        cols = st.columns([1, 9])
        cols[0].markdown(f":blue-badge[{r.ref}]")
        with cols[1]:
            st.markdown(f"《{escape_markdown(r.doc_title)}》{escape_markdown(path_label(r.path))}")
            nav.clause_link(r.clause_id)


if __name__ == "__main__":
    render()
