"""问答: a question, its outcome at a glance, the answer with [n] links, and compact citation cards.

The question is written to the address (`?q=…`), so a copied link reproduces the answer and a refresh
keeps it.  Readers' 👍/👎 and "此引用有误" go to the feedback store (`eval.feedback`) for evaluators.
"""
from __future__ import annotations

import re
import time
import uuid

import streamlit as st

from eval import feedback
from indexer.errors import BadInput
from ui.state import chosen_region, knowledge_base, settings
from ui.text import answer_markdown, escape_markdown, outcome_of, plain_answer
from ui.widgets import citation_card, copy_button

EXAMPLES = (
    "低保户家里房子是D级危房，能得到什么帮助？",
    "到2020年贫困地区农村集中供水率要达到多少？",
    "贫困家庭的孩子上学有哪些资助？",
    "专栏8健康扶贫工程包括哪些内容？",
    "建档立卡贫困人口看病有什么倾斜政策？",
)
MAX_QUESTION = 300
HISTORY = 20
# the engine's reasons for refusing a question (English, for the command line) → what to tell a reader
QUESTION_PROBLEMS = (
    (r"is empty", "请先输入问题。"),
    (r"characters long", "问题太长了，请缩短到 500 字以内。"),
    (r"no words", "问题里没有文字（只有标点、符号或表情），请用文字把问题写出来。"),
)
OUTCOMES = {  # outcome → (banner kind, headline)
    "answered": ("success", "文件中有明确规定"),
    "partial": ("warning", "只能部分回答"),
    "not_covered": ("error", "已收录的文件没有涉及这个问题。"),
}


def explain_question_problem(message: str) -> str:
    for pattern, reason in QUESTION_PROBLEMS:
        if re.search(pattern, message):
            return reason
    return "这个问题无法处理，请换一种说法。"


def _use_example() -> None:
    choice = st.session_state.get("ask_example")
    if choice:
        st.session_state["ask_question"] = choice
        st.session_state["ask_pending"] = choice
        st.session_state["ask_example"] = None


def _ask_again(question: str) -> None:
    st.session_state["ask_question"] = question
    st.session_state["ask_pending"] = question


def session_id() -> str:
    if "session_id" not in st.session_state:
        st.session_state["session_id"] = uuid.uuid4().hex[:16]
    return st.session_state["session_id"]


def ask(question: str, top_k: int) -> None:
    """Ask the engine; keep the answer (as JSON) in the session, the question in the address and history."""
    kb = knowledge_base()
    started = time.perf_counter()
    st.session_state["ask_seq"] = st.session_state.get("ask_seq", 0) + 1
    try:
        answer = kb.ask(question, top_k=top_k, region=chosen_region()).to_json()
    except BadInput as exc:
        st.session_state["ask_result"] = {"question": question, "error": explain_question_problem(str(exc)),
                                          "seq": st.session_state["ask_seq"]}
        return
    st.session_state["ask_result"] = {"question": question, "answer": answer, "top_k": top_k,
                                      "seconds": time.perf_counter() - started, "seq": st.session_state["ask_seq"]}
    st.session_state["ask_from_link"] = question  # what the address now says: not a new link to follow
    st.query_params["q"] = question
    history = [q for q in st.session_state.get("ask_history", []) if q != question]
    st.session_state["ask_history"] = ([question] + history)[:HISTORY]


def render() -> None:
    knowledge_base()
    st.title("问答")
    st.caption("用平常的话提问。回答只摘自已收录的政策文件，每句都标出依据条款，点 [1] [2] 可跳到条款。")

    if "ask_question" not in st.session_state:
        st.session_state["ask_question"] = ""
    from_link = st.query_params.get("q")
    if from_link and st.session_state.get("ask_from_link") != from_link:
        st.session_state["ask_from_link"] = from_link
        st.session_state["ask_question"] = from_link[:MAX_QUESTION]
        st.session_state["ask_pending"] = from_link[:MAX_QUESTION]
    ask_section()


@st.fragment
def ask_section() -> None:
    """The question box and the answer: asking reruns only this part of the page, not the whole app."""
    with st.form("ask_form", border=False):
        st.text_area("您的问题", key="ask_question", max_chars=MAX_QUESTION, height=80,
                     placeholder="例如：家里有人得了大病，能报销多少？")
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            submitted = st.form_submit_button("提问", type="primary", icon=":material/send:", width="stretch")
            st.selectbox("引用条款数（最多）", (3, 5, 8, 10), index=1, key="ask_top_k", width=130,
                         label_visibility="collapsed", format_func=lambda n: f"{n} 条依据")

    pending = st.session_state.pop("ask_pending", None)
    if submitted:
        pending = st.session_state["ask_question"]
    if pending is not None:
        if not pending.strip():
            st.warning("请先输入问题。")
        else:
            with st.spinner("正在查找依据条款……"):
                ask(pending.strip(), int(st.session_state.get("ask_top_k", 5)))

    result = st.session_state.get("ask_result")
    # once there is an answer the examples fold away, so that on a phone the answer is near the top
    with st.expander("示例问题", expanded=result is None, icon=":material/lightbulb:"):
        st.pills("示例问题", EXAMPLES, key="ask_example", on_change=_use_example, label_visibility="collapsed")
    history = st.session_state.get("ask_history", [])
    if len(history) > 1:
        with st.expander(f"本次提问记录（{len(history)}）", icon=":material/history:"):
            for n, question in enumerate(history):
                st.button(question, key=f"ask_history_{n}", type="tertiary", on_click=_ask_again, args=(question,),
                          icon=":material/replay:")
    if result:
        show_result(result)


def show_result(result: dict) -> None:
    st.markdown(f"**问：** {escape_markdown(result['question'])}")
    if "error" in result:
        st.error(f"无法回答这个问题：{result['error']}", icon=":material/error:")
        return
    answer = result["answer"]
    citations = answer["citations"]
    outcome = outcome_of(answer)
    kind, headline = OUTCOMES[outcome]
    banner = getattr(st, kind)
    if outcome == "not_covered":
        with st.container(border=True, key="ask_abstained"):
            banner(f"**{headline}**", icon=":material/block:")
            st.markdown(escape_markdown(answer["answer"]))
    else:
        if outcome == "partial":
            missing = answer.get("missing") or "文件只涉及问题的一部分。"
            banner(f"**{headline}：**{escape_markdown(missing)}", icon=":material/rule:")
        else:
            banner(f"**{headline}**，每句后的编号是依据条款。", icon=":material/check_circle:")
        with st.container(border=True, key="ask_answer"):
            st.markdown(answer_markdown(answer["answer"], link_markers=True))
    answer_actions(result, outcome)
    show_analysis(answer["analysis"], result["seconds"])
    if citations:
        if outcome == "not_covered":
            st.caption("下面是最接近的条款，仅供核对，不能作为回答的依据：")
        else:
            st.caption(f"依据条款（{len(citations)} 条）：黄色底色是回答用到的句子，“条款全文”可看整条。")
    for c in citations:
        citation_card(c, muted=outcome == "not_covered", key=f"citation_{c['rank']}", compact=True,
                      on_report=lambda c, r=result: report_button(c, r))


def feedback_db():
    return feedback.feedback_path(settings().index_dir)


def _store(kind: str, result: dict, **extra) -> bool:
    try:
        feedback.record(feedback_db(), kind, result["question"], answer=result["answer"]["answer"],
                        outcome=outcome_of(result["answer"]), session=session_id(), **extra)
    except Exception as exc:  # a full disk or a locked file must not take the answer away
        st.toast(f"反馈未能保存：{type(exc).__name__}", icon=":material/error:")
        return False
    return True


def _thumbs(result: dict, key: str) -> None:
    value = st.session_state.get(key)
    if value is None:
        return
    if _store("up" if value == 1 else "down", result):
        st.toast("谢谢您的反馈！", icon=":material/thumb_up:" if value == 1 else ":material/thumb_down:")


def answer_actions(result: dict, outcome: str) -> None:
    """👍/👎, copy and the sharable link, in one row."""
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="ask_actions"):
        st.caption("这个回答有用吗？")
        key = f"ask_thumbs_{result['seq']}"
        st.feedback("thumbs", key=key, on_change=_thumbs, args=(result, key))
        copy_button(plain_answer(result))


def _report(c: dict, result: dict) -> None:
    if _store("citation_wrong", result, clause_id=c["clause_id"], citation_rank=c["rank"]):
        st.session_state.setdefault("ask_reported", set()).add((result["seq"], c["clause_id"]))
        st.toast("已记录：这条引用有误。谢谢！", icon=":material/flag:")


def report_button(c: dict, result: dict) -> None:
    done = (result["seq"], c["clause_id"]) in st.session_state.get("ask_reported", set())
    st.button("已报告" if done else "引用有误", key=f"ask_report_{result['seq']}_{c['rank']}", type="tertiary",
              icon=":material/flag:", disabled=done, on_click=_report, args=(c, result))


def show_analysis(analysis: dict, seconds: float) -> None:
    recognised = [("家庭身份", analysis.get("profile")), ("困难情况", analysis.get("conditions")),
                  ("政策方面", analysis.get("topics")), ("补充检索词", analysis.get("expanded_terms"))]
    found = sum(len(v or []) for _, v in recognised[:3])
    label = f"问题分析：识别到 {found} 项情况 · 用时 {seconds * 1000:.0f} 毫秒"
    with st.expander(label, icon=":material/manage_search:"):
        for name, values in recognised:
            text = "、".join(values) if values else "无"
            st.markdown(f"**{name}：** {escape_markdown(text)}")
        unknown = analysis.get("unknown_terms") or []
        if unknown:
            st.markdown(f"**文件中未出现的词：** {escape_markdown('、'.join(unknown))}")


if __name__ == "__main__":
    render()
