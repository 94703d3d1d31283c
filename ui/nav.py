"""The app's pages, so that any page can link to another (e.g. a citation to its place in 浏览)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
# url path → (title, icon, page script); each script is a module whose `render()` draws the page
PAGES = {
    "ask": ("问答", ":material/question_answer:", "pages_ask.py"),
    "entitlements": ("政策匹配", ":material/family_restroom:", "pages_entitlements.py"),
    "browse": ("浏览文件", ":material/menu_book:", "pages_browse.py"),
    "training": ("培训材料", ":material/school:", "pages_training.py"),
    "evaluation": ("评测", ":material/analytics:", "pages_evaluation.py"),
    "documents": ("文件管理", ":material/folder_open:", "pages_documents.py"),
}
DEFAULT = "ask"


def page(name: str) -> st.Page:
    title, icon, script = PAGES[name]
    return st.Page(HERE / script, title=title, icon=icon, url_path=name, default=name == DEFAULT)


def all_pages() -> list[st.Page]:
    return [page(name) for name in PAGES]


def clause_link(clause_id: str, label: str = "在文件中查看此条") -> None:
    """A link that opens 浏览 at this clause (the same place `?clause=ID` deep links to)."""
    st.page_link(page("browse"), label=label, icon=":material/open_in_new:", query_params={"clause": clause_id})
