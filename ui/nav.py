"""The app's pages, so that any page can link to another (e.g. a citation to its place in 浏览).

Public pages need nothing.  The administrators' pages are listed (under 管理) only for a session that
has logged in; for everyone else they are hidden from the menu, and each one refuses to draw itself
(`ui.admin.require_admin`) when its address is opened directly.
"""
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
    "documents": ("文件管理", ":material/folder_open:", "pages_documents.py"),
    "evaluation": ("评测", ":material/analytics:", "pages_evaluation.py"),
    "feedback": ("读者反馈", ":material/reviews:", "pages_feedback.py"),
}
ADMIN_PAGES = ("documents", "evaluation", "feedback")
ADMIN_SECTION = "管理"
DEFAULT = "ask"


def page(name: str, visible: bool = True) -> st.Page:
    title, icon, script = PAGES[name]
    return st.Page(HERE / script, title=title, icon=icon, url_path=name, default=name == DEFAULT,
                   visibility="visible" if visible else "hidden")


def all_pages(admin: bool = False) -> dict[str, list[st.Page]]:
    """The navigation: public pages, and the 管理 section for an administrator (hidden otherwise)."""
    public = [page(name) for name in PAGES if name not in ADMIN_PAGES]
    if admin:
        return {"": public, ADMIN_SECTION: [page(name) for name in ADMIN_PAGES]}
    return {"": public + [page(name, visible=False) for name in ADMIN_PAGES]}


def clause_link(clause_id: str, label: str = "在文件中查看此条") -> None:
    """A link that opens 浏览 at this clause (the same place `?clause=ID` deep links to)."""
    st.page_link(page("browse"), label=label, icon=":material/open_in_new:", query_params={"clause": clause_id})
