"""The answer page and the administrators' pages, driven with AppTest against the session index."""
from __future__ import annotations

import pytest

from tests.test_ui_pages import ADMIN_TOKEN, app_env, block, keyed, markdown_text, open_app  # noqa: F401

def walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


QUESTION = "到2020年贫困地区农村集中供水率要达到多少？"


@pytest.fixture
def feedback_db(tmp_path, monkeypatch):
    path = tmp_path / "feedback.sqlite3"
    monkeypatch.setenv("POLICYKB_FEEDBACK_DB", str(path))
    return path


def ask(at, question: str):
    at.text_area(key="ask_question").input(question)
    at.button(key="FormSubmitter:ask_form-提问").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- 问答 ----------------------------------------------------------------------------------------
def test_answer_has_an_outcome_banner_marker_links_and_compact_cards(app_env, kb):
    expected = kb.ask(QUESTION, top_k=5).to_json()
    at = ask(open_app(), QUESTION)
    assert any("文件中有明确规定" in s.value for s in at.success)  # the outcome, at first glance
    shown = markdown_text(at)
    assert "[:blue-badge[1]](#cite-1)" in shown                  # [n] jumps to its card
    assert 'id="cite-1"' in shown
    cards = keyed(at, "citation_")
    assert len(cards) == len(expected["citations"])
    popovers = [n.proto.popover.label for n in walk(at.main) if n.type == "popover"]
    assert "条款全文" in popovers                                  # the whole clause on demand
    assert at.query_params["q"] in (QUESTION, [QUESTION])          # the address reproduces the answer


def test_a_shared_link_reproduces_the_answer_and_history_keeps_the_session_questions(app_env):
    at = open_app(query={"q": QUESTION})
    assert f"**问：** {QUESTION}" in markdown_text(at)
    assert "[:blue-badge[1]](#cite-1)" in markdown_text(at)
    ask(at, "贫困家庭的孩子上学有哪些资助？")
    assert at.query_params["q"] in ("贫困家庭的孩子上学有哪些资助？", ["贫困家庭的孩子上学有哪些资助？"])
    history = [e for e in at.expander if e.label.startswith("本次提问记录")]
    assert history and history[0].label == "本次提问记录（2）"
    at.button(key="ask_history_1").click().run()
    assert f"**问：** {QUESTION}" in markdown_text(at)


def test_a_punctuation_only_question_gets_a_chinese_error(app_env):
    at = ask(open_app(), "？？！！。。")
    errors = [e.value for e in at.error]
    assert errors and "只有标点" in errors[0]
    assert not any(ch.isascii() and ch.isalpha() for ch in errors[0])


def test_partial_and_not_covered_outcomes_are_banners(app_env, kb, monkeypatch):
    """`outcome` and `missing` from the answer JSON are shown as they are (never computed here)."""
    from qa.types import Answer

    real = Answer.to_json

    def with_outcome(self):
        out = real(self)
        out.update(outcome="partial", missing="文件只规定由各地确定标准，没有具体金额", abstained=True)
        return out

    monkeypatch.setattr(Answer, "to_json", with_outcome)
    at = ask(open_app(), "低保户看病能报销多少？")
    assert any("只能部分回答" in w.value and "没有具体金额" in w.value for w in at.warning)
    assert block(at, "ask_answer") is not None


def test_feedback_is_stored_and_listed_for_administrators(app_env, feedback_db, monkeypatch):
    from eval.feedback import list_feedback

    at = ask(open_app(), QUESTION)
    thumbs = at.get("feedback")[0]
    thumbs.set_value(1).run()
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("ask_report_"))).click().run()
    stored = list_feedback(feedback_db)
    assert [f.kind for f in stored] == ["citation_wrong", "up"]
    assert stored[0].question == QUESTION and stored[0].clause_id and stored[0].citation_rank == 1
    # the administrators' page lists it, with an export
    monkeypatch.setenv("POLICYKB_ADMIN_TOKEN", ADMIN_TOKEN)
    admin = open_app("feedback", admin=ADMIN_TOKEN)
    frame = admin.dataframe[0].value
    assert list(frame["类型"]) == ["引用有误", "👍 有用"] and set(frame["问题"]) == {QUESTION}
    assert {d.proto.label for d in admin.get("download_button")} == {"导出全部反馈（CSV）"}


# --- two audiences -------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["documents", "evaluation", "feedback"])
def test_administrators_pages_are_locked_without_the_credential(app_env, monkeypatch, page):
    monkeypatch.setenv("POLICYKB_ADMIN_TOKEN", ADMIN_TOKEN)
    at = open_app(page)
    assert any("仅限管理员" in w.value for w in at.warning)
    assert not at.get("file_uploader") and not at.get("download_button")
    assert not [b for b in at.button if b.key in ("eval_run", "docs_remove_button", "docs_rebuild_button")]
    wrong = open_app(page, admin="not-the-credential")
    assert any("仅限管理员" in w.value for w in wrong.warning)


def test_the_login_field_unlocks_and_a_wrong_credential_does_not(app_env, monkeypatch):
    monkeypatch.setenv("POLICYKB_ADMIN_TOKEN", ADMIN_TOKEN)
    at = open_app("documents")
    at.sidebar.text_input(key="admin_token_input").input("wrong-credential")
    at.sidebar.button[0].click().run()
    assert any("口令不正确" in e.value for e in at.sidebar.error)
    at.sidebar.text_input(key="admin_token_input").input(ADMIN_TOKEN)
    next(b for b in at.sidebar.button if "登录" in b.label).click().run()
    assert any("已以管理员身份登录" in s.value for s in at.sidebar.success)
    assert at.get("file_uploader")
    at.sidebar.button(key="admin_logout").click().run()
    assert any("仅限管理员" in w.value for w in at.warning)


def test_with_no_credential_configured_administration_is_disabled_and_says_how(app_env, monkeypatch):
    monkeypatch.delenv("POLICYKB_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("POLICYKB_ADMIN_TOKEN_FILE", raising=False)
    at = open_app("documents", admin="anything-at-all")
    assert any("管理功能未启用" in i.value and "POLICYKB_ADMIN_TOKEN" in i.value for i in at.info)
    assert not at.get("file_uploader")


def test_the_readers_region_is_a_sidebar_setting_the_answer_uses(app_env, kb):
    """The sidebar offers the library's regions; a chosen region goes with the question to the engine."""
    at = open_app()
    region = at.sidebar.selectbox(key="region")
    regional = sorted({d["region"] for d in kb.documents() if d.get("region") and d["region"] != "全国"})
    assert region.options == ["不限地区", *regional]
    region.set_value(regional[0]).run()
    at.text_area(key="ask_question").input("低保户看病有什么政策")
    at.button(key="FormSubmitter:ask_form-提问").click().run()
    assert not at.exception
    shown = at.session_state["ask_result"]["answer"]
    expected = kb.ask("低保户看病有什么政策", region=regional[0]).to_json()
    assert shown["answer"] == expected["answer"] and shown["citations"]
