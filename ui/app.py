"""PolicyKB's Streamlit app: `policykb ui` (ui/server.py), or `streamlit run ui/app.py -- --index DIR --corpus DIR`.

Each page is a small module (`ui/pages_*.py`) that presents what the engine (`qa`) returns; the
knowledge base is loaded once per process (`ui.state`).  A link `?clause=<clause id>` opens the
browse page at that clause, from any page.  The administrators' pages need the credential
(`ui.admin`); the public pages need nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ on the path, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui import admin, nav, state, style  # noqa: E402


def main() -> None:
    st.set_page_config(page_title="PolicyKB 政策知识库", page_icon=":material/policy:", layout="centered",
                       initial_sidebar_state="auto")
    style.apply()
    is_admin = admin.sidebar_login()
    current = st.navigation(nav.all_pages(is_admin))
    clause = st.query_params.get("clause")
    if clause and current.url_path != "browse":
        st.switch_page(nav.page("browse"), query_params={"clause": clause})
    state.region_setting()
    with st.sidebar:
        st.caption("PolicyKB 政策知识库：回答只来自已收录的政策文件，并注明依据条款。")
    current.run()


main()
