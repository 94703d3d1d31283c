"""读者反馈 (administrators): the 👍/👎 and "此引用有误" readers left on answers, newest first, exportable."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from eval import feedback
from ui.admin import require_admin
from ui.state import settings

BEIJING = timezone(timedelta(hours=8))
ALL = "全部"
OUTCOME_NAMES = {"answered": "已回答", "partial": "部分回答", "not_covered": "未涉及", "": "—"}
SHOWN = 500


def beijing_time(created: str) -> str:
    """An ISO 8601 UTC time as '2026-12-03 15:30' Beijing time."""
    try:
        return datetime.fromisoformat(created).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return created


def feedback_frame(items: list[feedback.Feedback]) -> pd.DataFrame:
    rows = [{"时间（北京时间）": beijing_time(f.created), "类型": feedback.KIND_NAMES.get(f.kind, f.kind),
             "问题": f.question, "回答情况": OUTCOME_NAMES.get(f.outcome, f.outcome),
             "被指出的引用": f"[{f.citation_rank}] {f.clause_id}" if f.clause_id else "—",
             "回答": f.answer or "—"} for f in items]
    return pd.DataFrame(rows, columns=["时间（北京时间）", "类型", "问题", "回答情况", "被指出的引用", "回答"])


def render() -> None:
    st.title("读者反馈")
    require_admin()
    path = feedback.feedback_path(settings().index_dir)
    st.caption(f"读者在“问答”页点的 👍/👎 和“此引用有误”，保存在 SQLite 文件 `{path.name}` 中"
               f"（位置可用环境变量 {feedback.FEEDBACK_ENV} 指定）。")
    items = feedback.list_feedback(path)
    if not items:
        st.info("还没有读者反馈。")
        return
    totals = feedback.counts(items)
    cols = st.columns(len(totals))
    for col, (kind, n) in zip(cols, totals.items()):
        col.metric(feedback.KIND_NAMES[kind], n)
    kind = st.segmented_control("类型", [ALL, *feedback.KINDS], default=ALL, key="fb_kind",
                                format_func=lambda k: k if k == ALL else feedback.KIND_NAMES[k]) or ALL
    chosen = [f for f in items if kind == ALL or f.kind == kind]
    st.caption(f"共 {len(chosen)} 条" + (f"，显示最新 {SHOWN} 条" if len(chosen) > SHOWN else "") + "，最新的在前。")
    st.dataframe(feedback_frame(chosen[:SHOWN]), hide_index=True, width="stretch")
    st.download_button("导出全部反馈（CSV）", feedback.to_csv(items), file_name="读者反馈.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore", key="fb_download")


if __name__ == "__main__":
    render()
