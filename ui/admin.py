"""The administrators' login (sidebar) and the guard on their pages.

The credential is the one `qa.access` reads (POLICYKB_ADMIN_TOKEN, or the first line of the file named
by POLICYKB_ADMIN_TOKEN_FILE).  A session that typed it keeps it in its own session state and it is
checked again on every run, so changing or removing the credential locks every session out at once.
With no credential configured, administration is disabled and the pages say how to enable it.
"""
from __future__ import annotations

import time

import streamlit as st

from indexer.errors import BadInput
from qa import access

TOKEN_KEY = "admin_token"
DISABLED = ("管理功能未启用：没有设置管理员口令，任何人都不能在网页上添加、删除文件或运行评测。"
            f"启用方法：启动前设置环境变量 `{access.TOKEN_ENV}`（至少 {access.MIN_TOKEN_CHARS} 个字符），"
            f"或用 `{access.TOKEN_FILE_ENV}` 指向一个第一行是口令的文件，然后重新运行 `policykb ui`。")
LOCKED = "此页面仅限管理员使用。请在左侧边栏的“管理员登录”中输入管理员口令。"
FAILED_PAUSE_S = 1.0  # a wrong credential costs a second: guessing stays slow


def _state() -> tuple[bool, str | None]:
    """(administration enabled, a problem with the configured credential or None)."""
    try:
        return access.admin_enabled(), None
    except BadInput as exc:
        return False, str(exc)


def is_admin() -> bool:
    """Whether this session holds the configured credential (checked now, not remembered)."""
    try:
        return access.is_admin(st.session_state.get(TOKEN_KEY))
    except BadInput:
        return False


def _log_in() -> None:
    supplied = (st.session_state.get("admin_token_input") or "").strip()
    st.session_state["admin_token_input"] = ""
    if supplied and access.is_admin(supplied):
        st.session_state[TOKEN_KEY] = supplied
        st.session_state.pop("admin_failed", None)
    else:
        time.sleep(FAILED_PAUSE_S)
        st.session_state["admin_failed"] = True


def _log_out() -> None:
    st.session_state.pop(TOKEN_KEY, None)


def sidebar_login() -> bool:
    """The sidebar's administrator box; whether this session is an administrator."""
    enabled, problem = _state()
    with st.sidebar:
        if problem:
            st.error("管理员口令配置有误，管理功能已停用：" + problem)
            return False
        if not enabled:
            with st.expander("管理", icon=":material/lock:"):
                st.caption(DISABLED)
            return False
        if is_admin():
            st.success("已以管理员身份登录", icon=":material/admin_panel_settings:")
            st.button("退出管理", key="admin_logout", on_click=_log_out, icon=":material/logout:")
            return True
        with st.expander("管理员登录", icon=":material/lock:", expanded=bool(st.session_state.get("admin_failed"))):
            with st.form("admin_login", border=False):
                st.text_input("管理员口令", type="password", key="admin_token_input", max_chars=200)
                st.form_submit_button("登录", on_click=_log_in, icon=":material/login:")
            if st.session_state.get("admin_failed"):
                st.error("口令不正确。")
    return False


def require_admin() -> None:
    """At the top of an administrators' page: stop here, saying why, unless this session is one."""
    enabled, problem = _state()
    if problem or not enabled:
        st.info(DISABLED, icon=":material/lock:")
        st.stop()
    if not is_admin():
        st.warning(LOCKED, icon=":material/lock:")
        st.stop()
