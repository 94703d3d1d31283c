"""评测: run the evaluation set (or an uploaded question file); metrics, plots, per-question results.

The runner is `eval.runner.run_evaluation(kb, questions, report_dir, systems=…, progress=…)`; its
summary has the shape given in INTERFACE.md, and the report folder holds `results.json` (one
entry per question, with each system's outcome) and PNG plots.  Failures are listed first.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from indexer.errors import BadInput
from ui.admin import require_admin
from ui.state import knowledge_base
from ui.text import escape_markdown

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("bm25", "dense", "hybrid", "full")
SYSTEM_NAMES = {"bm25": "BM25 基线", "dense": "向量检索", "hybrid": "混合检索", "full": "完整系统"}
METRIC_NAMES = {
    "recall@1": "召回率@1", "recall@3": "召回率@3", "recall@5": "召回率@5", "recall@10": "召回率@10",
    "mrr@10": "MRR@10", "ndcg@10": "nDCG@10", "fact_accuracy": "事实准确率", "fact_recall": "事实召回率",
    "citation_precision": "引用准确率", "abstain_precision": "拒答精确率", "abstain_recall": "拒答召回率",
    "false_abstentions": "误拒答数", "latency_p50_ms": "延迟中位数(毫秒)", "latency_p95_ms": "延迟P95(毫秒)",
}
STAGE_NAMES = {"embedding": "问题向量化", "evaluating": "逐题评测", "robustness": "改写问题稳健性",
               "report": "生成报告"}
TYPE_NAMES = {"number": "数字", "list": "列举", "yesno": "是否", "colloquial": "口语", "out_of_scope": "超出范围",
              "multi_aspect": "多方面", "table": "表格", "who": "主管部门", "when": "时间", "fact": "事实"}
MISSING = "—"  # a metric that does not apply (e.g. abstention recall with nothing to abstain on)
CHART_METRICS = ("recall@5", "mrr@10", "ndcg@10", "fact_accuracy", "citation_precision", "abstain_recall")
MAX_QUESTIONS_MB = 2
DEFAULT_SET = "内置评测集"
UPLOADED_SET = "上传问题文件"


def _runner():
    try:
        from eval import runner
    except ImportError:
        return None
    return runner if hasattr(runner, "run_evaluation") else None


def render() -> None:
    st.title("评测")
    require_admin()
    kb = knowledge_base()
    st.caption("用带标准答案的问题集检验检索和回答质量，并与基线系统对比。")
    runner = _runner()
    if runner is None:
        st.info("评测模块尚未安装(缺少 eval.runner),暂时不能在这里运行评测。")
        return

    source = st.segmented_control("问题集", (DEFAULT_SET, UPLOADED_SET), default=DEFAULT_SET, key="eval_source")
    upload = None
    if source == UPLOADED_SET:
        upload = st.file_uploader("问题文件（JSONL,每行一个 {\"id\", \"question\", \"gold\", …}）", type=["jsonl", "json"],
                                  max_upload_size=MAX_QUESTIONS_MB, key="eval_file")
        st.caption(f"格式见 eval/README.md;文件不超过 {MAX_QUESTIONS_MB} MB。")
    systems = st.multiselect("对比的系统", SYSTEMS, default=list(SYSTEMS), format_func=lambda s: SYSTEM_NAMES[s],
                             key="eval_systems", placeholder="请选择要对比的系统")
    if st.button("开始评测", type="primary", icon=":material/play_arrow:", key="eval_run"):
        run(kb, runner, source, upload, systems)

    result = st.session_state.get("eval_result")
    if result:
        show_result(result)


def run(kb, runner, source, upload, systems) -> None:
    if not systems:
        st.warning("请至少选择一个系统。")
        return
    report_dir = Path(tempfile.mkdtemp(prefix="policykb-eval-"))
    if source == UPLOADED_SET:
        if upload is None:
            st.warning("请先上传问题文件。")
            return
        data = upload.getvalue()
        if len(data) > MAX_QUESTIONS_MB * 1024 * 1024:
            st.error(f"问题文件超过 {MAX_QUESTIONS_MB} MB 的上限。")
            return
        questions = report_dir / "questions.jsonl"
        questions.write_bytes(data)
    else:
        questions = Path(getattr(runner, "DEFAULT_QUESTIONS", "eval/questions.jsonl"))
        if not questions.is_absolute() and not questions.exists():  # the runner's default is relative to the repo
            questions = ROOT / questions
    bar = st.progress(0.0, text="准备中……")

    def progress(stage: str, done: int, total: int) -> None:
        name = STAGE_NAMES.get(stage, str(stage))
        bar.progress(min(1.0, done / total) if total else 1.0, text=f"{escape_markdown(name)}：{done}/{total}")

    try:
        summary = runner.run_evaluation(kb, questions, report_dir / "report", systems=list(systems),
                                        progress=progress)
    except BadInput as exc:
        bar.empty()
        st.error("问题文件无法使用：" + escape_markdown(str(exc)))
        return
    bar.empty()
    st.session_state["eval_result"] = {"summary": summary, "report_dir": str(report_dir / "report")}


def metrics_frame(summary: dict) -> pd.DataFrame:
    systems = summary.get("systems", {})
    names = [m for m in METRIC_NAMES if any(m in v for v in systems.values())]
    rows = []
    for system, values in systems.items():
        row = {"系统": SYSTEM_NAMES.get(system, TYPE_NAMES.get(system, system))}
        for m in names:
            v = values.get(m)
            row[METRIC_NAMES[m]] = MISSING if v is None else round(float(v), 3 if "latency" not in m else 1)
        rows.append(row)
    return pd.DataFrame(rows)


def load_results(report_dir: str) -> dict | None:
    path = Path(report_dir) / "results.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def failed(outcome: dict) -> bool:
    r5 = outcome.get("recall@5")
    return (r5 is not None and r5 < 1.0) or outcome.get("fact_ok") is False or outcome.get("abstain_ok") is False


def question_frame(results: dict, system: str) -> pd.DataFrame:
    def mark(v):
        return "—" if v is None else ("✓" if v else "✗")

    rows = []
    for q in results.get("questions", []):
        o = q.get("systems", {}).get(system)
        if o is None:
            continue
        rows.append({"结果": "✗ 未通过" if failed(o) else "✓ 通过", "编号": str(q.get("id", "")),
                     "类型": TYPE_NAMES.get(q.get("type", ""), q.get("type") or MISSING), "问题": q.get("question", ""),
                     "召回@5": MISSING if o.get("recall@5") is None else f"{float(o['recall@5']):.2f}",
                     "事实": mark(o.get("fact_ok")), "拒答正确": mark(o.get("abstain_ok")),
                     "回答": (o.get("answer") or "")[:120]})
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame.sort_values("结果", key=lambda s: s.str.startswith("✓"), kind="stable")
    return frame


def show_result(result: dict) -> None:
    summary = result["summary"]
    st.divider()
    st.subheader(f"评测结果：{summary.get('questions', '?')} 个问题")
    frame = metrics_frame(summary)
    st.dataframe(frame, hide_index=True, width="stretch")
    chart = frame.set_index("系统")[[METRIC_NAMES[m] for m in CHART_METRICS if METRIC_NAMES[m] in frame.columns]]
    chart = chart.apply(pd.to_numeric, errors="coerce")
    if not chart.empty:
        chart.index.name = "系统"
        long = chart.reset_index().melt(id_vars="系统", var_name="指标", value_name="得分").dropna()
        st.bar_chart(long, x="指标", y="得分", color="系统", stack=False, horizontal=True, height=360,
                     x_label="得分", y_label="指标")
    by_type = summary.get("by_type", {})
    if by_type:
        with st.expander("按问题类型", icon=":material/category:"):
            system = "full" if "full" in by_type else next(iter(by_type))
            st.caption(f"系统：{SYSTEM_NAMES.get(system, system)}")
            st.dataframe(metrics_frame({"systems": by_type[system]}).rename(columns={"系统": "问题类型"}),
                         hide_index=True, width="stretch")
    report_dir = Path(result["report_dir"])  # the report's own PNG plots are in English: in the download only
    report = report_dir / "report.md"
    if report.exists():
        st.download_button("下载完整报告（Markdown）", report.read_bytes(), file_name="评测报告.md",
                           mime="text/markdown", on_click="ignore", key="eval_download")

    results = load_results(str(report_dir))
    if results:
        systems = [s for s in SYSTEMS if s in summary.get("systems", {})] or list(summary.get("systems", {}))
        system = st.selectbox("逐题结果：系统", systems, index=len(systems) - 1,
                              format_func=lambda s: SYSTEM_NAMES.get(s, s), key="eval_detail_system")
        table = question_frame(results, system)
        failures = int((table["结果"] != "✓ 通过").sum()) if not table.empty else 0
        st.caption(f"未通过 {failures} 题，排在前面。")
        st.dataframe(table, hide_index=True, width="stretch", height=420)


if __name__ == "__main__":
    render()
