"""政策匹配: tick a household's situation, get what it is entitled to, grouped by benefit area.

The check boxes come from the vocabulary's situation and condition concepts at run time; the
conditions that are grades of one thing (C级危房, D级危房 … all ending in 危房) become one select.
"""
from __future__ import annotations

import re

import streamlit as st

from indexer.errors import BadInput
from ui import export, nav
from ui.state import chosen_region, knowledge_base
from qa.entitlements import household_choices
from ui.text import escape_markdown, highlight_markdown, path_label

ANY_TOPIC = "（全部方面）"
NONE = "（无）"
_GRADED = re.compile(r"^(.*?)([A-Za-z0-9一二三四五六七八九十]+级)(.+)$")


def graded_families(labels: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Split condition labels into families of grades ('危房' → ['危房', 'C级危房', 'D级危房']) and the rest."""
    families: dict[str, list[str]] = {}
    for label in labels:
        m = _GRADED.match(label)
        if m and not m.group(1):
            families.setdefault(m.group(3), []).append(label)
    families = {base: sorted(grades) for base, grades in families.items() if len(grades) >= 2}
    for base in families:
        if base in labels:
            families[base].insert(0, base)  # the ungraded 危房 is the mildest choice
    grouped = {g for grades in families.values() for g in grades}
    return families, [label for label in labels if label not in grouped]


def render() -> None:
    kb = knowledge_base()
    st.title("政策匹配")
    st.caption("选出一户人家的情况，查看按政策方面归类的可享受政策和依据条款，可导出存入户档。")
    vocabulary = kb.vocabulary
    choices = household_choices(vocabulary)
    names = {label: display for _, label, display in choices}
    situations = [label for kind, label, _ in choices if kind == "situation"]
    conditions = [label for kind, label, _ in choices if kind == "condition"]
    topics = [c.label for c in vocabulary.concepts_of("topic")]
    if not situations and not conditions:
        st.info("词表中还没有家庭情况的分类，暂时无法匹配。")
        return
    families, plain_conditions = graded_families(conditions)

    with st.form("entitlement_form", border=True):
        profile = list(st.pills("家庭身份（可多选）", situations, selection_mode="multi", key="ent_situations",
                                format_func=names.get) or [])
        for base, grades in families.items():
            grade = st.selectbox(f"{escape_markdown(names.get(base, base))}等级", [NONE] + grades,
                                 key=f"ent_grade_{base}", format_func=lambda g: names.get(g, g))
            if grade != NONE:
                profile.append(grade)
        profile += list(st.pills("困难情况（可多选）", plain_conditions, selection_mode="multi", key="ent_conditions",
                                 format_func=names.get) or [])
        topic = st.selectbox("最需要哪方面的帮助（可选）", [ANY_TOPIC] + topics, key="ent_topic")
        submitted = st.form_submit_button("查找可享受的政策", type="primary", icon=":material/search:",
                                          width="stretch")

    if submitted:
        if not profile:
            st.session_state.pop("ent_result", None)
            st.warning("请至少选一项家庭情况。")
        else:
            try:
                result = kb.entitlements(profile, None if topic == ANY_TOPIC else topic, chosen_region())
                st.session_state["ent_result"] = result
                st.session_state["ent_names"] = [names.get(p, p) for p in profile]
                st.session_state["ent_display"] = names
            except BadInput as exc:
                st.session_state.pop("ent_result", None)
                st.error(f"无法匹配：{escape_markdown(str(exc))}")

    result = st.session_state.get("ent_result")
    if result:
        show_result(result, st.session_state.get("ent_names"))


def show_result(result: dict, shown_names: list[str] | None = None) -> None:
    labels = shown_names or list(dict.fromkeys(r["label"] for r in result["resolved"]))
    area = f"，关注“{escape_markdown(result['topic'])}”" if result.get("topic") else ""
    st.subheader(f"找到 {result['total']} 条政策依据")
    st.caption(f"家庭情况：{escape_markdown('、'.join(labels))}{area}")
    if not result["groups"]:
        st.info("已收录的文件中没有与所选情况直接对应的条款。可换一个方面，或到“问答”页用自己的话提问。")
        return
    if result.get("broadened"):
        st.warning(escape_markdown(result.get("note") or "没有专门针对所选情况的条款，下面是这一方面的全部条款。"),
                   icon=":material/info:")

    with st.expander("户档信息与导出", icon=":material/download:", expanded=False):
        household = {}
        for key, label in export.HOUSEHOLD_FIELDS:
            household[key] = st.text_input(f"{label}（可选）", key=f"ent_household_{key}", max_chars=80)
        left, right = st.columns(2)
        left.download_button("导出 Markdown", export.entitlements_markdown(result, household),
                             file_name="家庭政策清单.md", mime="text/markdown", icon=":material/description:",
                             key="ent_download_md", on_click="ignore")
        right.download_button("导出 Word（DOCX）", export.entitlements_docx(result, household),
                              file_name="家庭政策清单.docx", mime=export.DOCX_MIME, icon=":material/article:",
                              key="ent_download_docx", on_click="ignore")
    printable = st.toggle("打印视图（全部展开，便于用浏览器打印）", key="ent_printable")

    n = 0
    for i, group in enumerate(result["groups"]):
        heading = f"{escape_markdown(group['topic'])}（{group['count']} 条）"
        if printable:
            st.markdown(f"#### {heading}")
            for item in group["items"]:
                n += 1
                print_item(n, item)
            continue
        # one benefit area open at a time keeps a phone page short; the first is open
        with st.expander(heading, expanded=i == 0, icon=":material/folder_special:"):
            for item in group["items"]:
                n += 1
                item_card(n, item)


def _matched(item: dict) -> str:
    names = st.session_state.get("ent_display") or {}
    labels = [m.split(":", 1)[-1] for m in item.get("matched", [])]
    return "、".join(dict.fromkeys(names.get(label, label) for label in labels))


def item_card(n: int, item: dict) -> None:
    with st.container(border=True, key=f"ent_item_{n}"):
        title = item.get("title") or ""
        head = f":blue-badge[{n}] **{escape_markdown(title)}**" if title else f":blue-badge[{n}]"
        st.markdown(head)
        st.markdown(highlight_markdown(item["summary"], []))
        applies = f"适用：{escape_markdown(_matched(item))} · " if item.get("matched") else ""
        st.caption(f"{applies}出处：{escape_markdown(path_label(item['path']))}")
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            if item["summary"].strip() != item["text"].strip():
                with st.popover("条款全文", icon=":material/article:", type="tertiary"):
                    st.markdown(highlight_markdown(item["text"], item.get("highlights") or []))
            nav.clause_link(item["clause_id"], label="原文位置")


def print_item(n: int, item: dict) -> None:
    title = item.get("title") or ""
    lead = f"**{n}. {escape_markdown(title)}**：" if title else f"**{n}.** "
    st.markdown(lead + escape_markdown(item["summary"]))
    st.caption(f"出处：《{escape_markdown(item['doc_title'])}》{escape_markdown(path_label(item['path']))}"
               f"（条款 {escape_markdown(item['clause_id'])}）")


if __name__ == "__main__":
    render()
