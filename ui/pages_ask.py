"""问答: a question, the answer with [n] markers, and each cited clause with the sentences used."""
from __future__ import annotations

import time

import streamlit as st

from indexer.errors import BadInput
from ui.state import knowledge_base
from ui.text import answer_markdown, escape_markdown
from ui.widgets import citation_card

EXAMPLES = (
    "低保户家里房子是D级危房，能得到什么帮助？",
    "到2020年贫困地区农村集中供水率要达到多少？",
    "贫困家庭的孩子上学有哪些资助？",
    "专栏8健康扶贫工程包括哪些内容？",
    "建档立卡贫困人口看病有什么倾斜政策？",
)
MAX_QUESTION = 300


def _use_example() -> None:
    choice = st.session_state.get("ask_example")
    if choice:
        st.session_state["ask_question"] = choice
        st.session_state["ask_pending"] = choice
        st.session_state["ask_example"] = None


def ask(question: str, top_k: int) -> None:
    """Ask the engine and keep the answer (as JSON) and the time it took in the session."""
    kb = knowledge_base()
    started = time.perf_counter()
    try:
        answer = kb.ask(question, top_k=top_k).to_json()
    except BadInput as exc:
        st.session_state["ask_result"] = {"question": question, "error": str(exc)}
        return
    st.session_state["ask_result"] = {"question": question, "answer": answer,
                                      "seconds": time.perf_counter() - started}


def render() -> None:
    knowledge_base()
    st.title("问答")
    st.caption("用平常的话提问。回答只摘自已收录的政策文件，每一句都标出依据条款。")

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
        st.text_area("您的问题", key="ask_question", max_chars=MAX_QUESTION, height=90,
                     placeholder="例如：家里有人得了大病，能报销多少？")
        left, right = st.columns([1, 1], vertical_alignment="bottom")
        submitted = left.form_submit_button("提问", type="primary", icon=":material/send:", width="stretch")
        right.selectbox("引用条款数（最多）", (3, 5, 8, 10), index=1, key="ask_top_k")

    pending = st.session_state.pop("ask_pending", None)
    if submitted:
        pending = st.session_state["ask_question"]
    if pending is not None:
        if not pending.strip():
            st.warning("请先输入问题。")
        else:
            with st.spinner("正在查找依据条款……"):
                ask(pending.strip(), int(st.session_state.get("ask_top_k", 5)))

    # once there is an answer the examples fold away, so that on a phone the answer is near the top
    with st.expander("示例问题", expanded="ask_result" not in st.session_state, icon=":material/lightbulb:"):
        st.pills("示例问题", EXAMPLES, key="ask_example", on_change=_use_example, label_visibility="collapsed")

    result = st.session_state.get("ask_result")
    if result:
        show_result(result)


def show_result(result: dict) -> None:
    st.divider()
    st.markdown(f"**问：** {escape_markdown(result['question'])}")
    if "error" in result:
        st.error(f"无法回答这个问题：{escape_markdown(result['error'])}")
        return
    answer = result["answer"]
    citations = answer["citations"]
    if answer["abstained"]:
        with st.container(border=True, key="ask_abstained"):
            st.error("**已收录的文件没有涉及这个问题。**", icon=":material/block:")
            st.markdown(escape_markdown(answer["answer"]))
        if citations:
            st.caption("下面是最接近的条款，仅供核对，不能作为回答的依据：")
    else:
        with st.container(border=True, key="ask_answer"):
            st.markdown("**答：**")
            st.markdown(answer_markdown(answer["answer"]))
    show_analysis(answer["analysis"], result["seconds"])
    for c in citations:
        citation_card(c, muted=answer["abstained"], key=f"citation_{c['rank']}")


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
