"""文件管理: the indexed documents, and adding (or removing) one without stopping the app.

`qa.library.add_documents` validates the file, copies it into the corpus and rebuilds the index
atomically; if anything fails it raises and the old index keeps serving.  Only after success is
the cached knowledge base dropped, so every session picks up the new index on its next run.
"""
from __future__ import annotations

import datetime
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from indexer.errors import BadInput, IndexUnusable
from ui.admin import require_admin
from ui.state import knowledge_base, library_change, reload_knowledge_base, settings
from ui.text import escape_markdown

MAX_UPLOAD_MB = 20
ALLOWED = ("txt", "md", "html", "htm", "docx", "pdf")


def check_upload(name: str, size: int) -> str | None:
    """A Chinese sentence saying why this upload is refused, or None."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in ALLOWED:
        return f"不支持 .{suffix or '（无扩展名）'} 文件。请上传以下格式之一：{'、'.join(ALLOWED)}。"
    if size == 0:
        return "文件是空的。"
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        return f"文件大小 {size / 1024 / 1024:.1f} MB,超过 {MAX_UPLOAD_MB} MB 的上限。"
    return None


# The indexer's reasons (English, one line, starting with a path) → what to tell the user.
REASONS = (
    (r"unsupported file type", "不支持这种文件格式。"),
    (r"the file is empty", "文件是空的。"),
    (r"MB limit", f"文件超过 {MAX_UPLOAD_MB} MB 的上限。"),
    (r"binary file|cannot decode", "无法识别文件中的文字：它可能是二进制文件，或不是 UTF-8/GBK 编码的文本。"),
    (r"not a readable \.docx", "无法打开这个 Word 文件，它可能已损坏或不是 .docx 格式。"),
    (r"not a readable PDF", "无法打开这个 PDF 文件，它可能已损坏或加密。"),
    (r"no text left after cleaning", "文件中没有可读的正文。"),
    (r"no clauses could be cut", "没能从文件中分出条款：请确认这是一份有正文的政策文件。"),
    (r"already in", "已有同名文件，请先删除原文件或把新文件改名后再上传。"),
    (r"document id is letters", "文件名不能用作文件编号，请改用中文、字母、数字、“-”或“_”命名。"),
)


def explain(message: str) -> str:
    for pattern, reason in REASONS:
        if re.search(pattern, message):
            return reason
    return "文件未通过检查。"


def parse_date(text: str) -> tuple[str | None, str | None]:
    """A typed date ('2018-05-01', '2018/5/1', '2018年5月1日') as YYYY-MM-DD, or a Chinese reason it is not one."""
    text = (text or "").strip()
    if not text:
        return None, None
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if m:
        try:
            return datetime.date(*map(int, m.groups())).isoformat(), None
        except ValueError:
            pass
    return None, f"发布日期“{text}”不是有效日期，请按“年-月-日”填写，例如 2018-05-01。"


def safe_filename(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_\-\u4e00-\u9fff]+", "-", Path(name).stem).strip("-_")[:64] or "document"
    return stem + Path(name).suffix.lower()


def render() -> None:
    st.title("文件管理")
    require_admin()
    kb = knowledge_base()
    flash = st.session_state.pop("docs_flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")

    documents = kb.documents()
    st.subheader(f"已收录 {len(documents)} 份文件")
    if documents:
        def cell(d: dict, key: str) -> str:
            value = d.get(key) or (d.get("issued") if key == "published" else None)  # records' `issued` when present
            return escape_markdown(str(value)) if value not in (None, "") else "—"

        frame = pd.DataFrame([[cell(d, k) for k in ("title", "issuer", "doc_number", "published", "status", "clauses",
                                                     "doc_id")] for d in documents],
                             columns=["标题", "发文机关", "文号", "发布日期", "状态", "条款数", "文件编号"])
        st.table(frame, hide_index=True)

    st.subheader("添加文件")
    st.caption(f"支持 {'、'.join(ALLOWED)} 格式，单个文件不超过 {MAX_UPLOAD_MB} MB。"
               "添加时会先检查文件能否读取和分条，再重建索引；失败时原索引照常使用。")
    with st.form("docs_add", clear_on_submit=True):
        upload = st.file_uploader("选择文件", type=list(ALLOWED), max_upload_size=MAX_UPLOAD_MB, key="docs_file")
        title = st.text_input("标题（可选，不填则从文件中识别）", max_chars=120, key="docs_title")
        left, right = st.columns(2)
        issuer = left.text_input("发文机关（可选）", max_chars=60, key="docs_issuer")
        number = right.text_input("文号（可选）", max_chars=60, key="docs_number")
        date = st.text_input("发布日期（可选，格式 2018-05-01）", max_chars=10, key="docs_date",
                             placeholder="年-月-日，例如 2018-05-01")
        submitted = st.form_submit_button("添加并重建索引", type="primary", icon=":material/upload_file:")
    if submitted:
        day, problem = parse_date(date)
        if upload is None:
            st.warning("请先选择要上传的文件。")
        elif problem:
            st.error(problem)
        else:
            meta = {"title": title.strip() or None, "issuer": issuer.strip() or None,
                    "doc_number": number.strip() or None, "date": day}
            add_upload(upload.name, upload.getvalue(), meta)

    if len(documents) > 1:
        remove_section(documents)
    rebuild_section()


def add_upload(name: str, data: bytes, meta: dict) -> None:
    problem = check_upload(name, len(data))
    if problem:
        st.error(problem)
        return
    from qa.library import add_documents

    s = settings()
    with library_change() as ours:
        if not ours:
            return
        try:
            with tempfile.TemporaryDirectory(prefix="policykb-upload-") as tmp:
                path = Path(tmp) / safe_filename(name)
                path.write_bytes(data)
                with st.spinner("正在检查文件并重建索引，可能需要一分钟……"):
                    entries, _ = add_documents(Path(s.corpus_dir), Path(s.index_dir), [path],
                                               meta={k: v for k, v in meta.items() if v})
        except (BadInput, IndexUnusable) as exc:
            st.error(f"文件未能添加，原索引继续使用。原因：{explain(str(exc))}", icon=":material/error:")
            detail = re.sub(r"\S*policykb-upload-[^/\s]+/", "", str(exc))  # no server paths in the page
            st.caption("技术细节：" + escape_markdown(detail))
            return
        except Exception as exc:  # a failed build must never take the page down with it
            st.error("添加文件时出错，原索引继续使用。原因：" + escape_markdown(f"{type(exc).__name__}: {exc}"),
                     icon=":material/error:")
            return
    reload_knowledge_base()
    added = "、".join(f"《{e.meta.get('title', e.doc_id)}》" for e in entries)
    st.session_state["docs_flash"] = f"已添加 {escape_markdown(added)}，索引已更新。"
    st.rerun()


def remove_section(documents: list[dict]) -> None:
    with st.expander("删除文件", icon=":material/delete:"):
        titles = {d["doc_id"]: d["title"] for d in documents}
        doc_id = st.selectbox("要删除的文件", list(titles), format_func=lambda i: titles[i], key="docs_remove_id")
        sure = st.checkbox("确认删除这份文件及其索引条款", key="docs_remove_sure")
        if st.button("删除并重建索引", disabled=not sure, key="docs_remove_button", icon=":material/delete:"):
            from qa.library import remove_documents

            s = settings()
            run_change(lambda: remove_documents(Path(s.corpus_dir), Path(s.index_dir), doc_id), "正在删除并重建索引……",
                       "删除失败：", lambda _: f"已删除《{escape_markdown(titles[doc_id])}》，索引已更新。")


def rebuild_section() -> None:
    """Rebuild the index from the corpus as it is (e.g. after the vocabulary changed), via qa.library."""
    from qa.library import rebuild

    with st.expander("重建索引", icon=":material/refresh:"):
        st.caption("按文件夹中现有的文件重新建立索引（例如词表更新之后）；只重新计算内容有变化的文件。"
                   "重建期间原索引照常使用。")
        if st.button("重建索引", key="docs_rebuild_button", icon=":material/refresh:"):
            s = settings()
            run_change(lambda: rebuild(Path(s.corpus_dir), Path(s.index_dir)), "正在重建索引……",
                       "重建失败，原索引继续使用：",
                       lambda report: f"索引已重建：{report.documents} 份文件，{report.clauses} 条条款。"
                       + (f"无法读取、未收入索引：{'、'.join(report.skipped)}。" if report.skipped else ""))


def run_change(change, working: str, failed: str, done) -> None:
    """One library change (`change()`, a qa.library call) under the library lock with a spinner: on failure
    `failed` and the reason (the old index stays in use); on success the knowledge base reloaded and
    `done(result)` shown after the page reruns."""
    with library_change() as ours:
        if not ours:
            return
        try:
            with st.spinner(working):
                result = change()
        except (BadInput, IndexUnusable) as exc:
            st.error(failed + escape_markdown(str(exc)))
            return
    reload_knowledge_base()
    st.session_state["docs_flash"] = done(result)
    st.rerun()


if __name__ == "__main__":
    render()
