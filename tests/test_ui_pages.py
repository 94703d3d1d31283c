"""Each page of the Streamlit app driven with `streamlit.testing.v1.AppTest` against the session index."""
from __future__ import annotations

import json
import os
import shutil
import sys
import types
from pathlib import Path
from urllib.parse import quote

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
APP = ROOT / "ui" / "app.py"
TIMEOUT = 120  # the first run of a session loads the index


@pytest.fixture(scope="module")
def app_env(index_dir):
    """Point the app at the session index (the app reads $POLICYKB_INDEX / $POLICYKB_CORPUS)."""
    saved = {k: os.environ.get(k) for k in ("POLICYKB_INDEX", "POLICYKB_CORPUS")}
    os.environ["POLICYKB_INDEX"], os.environ["POLICYKB_CORPUS"] = str(index_dir), str(CORPUS)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


ADMIN_TOKEN = "test-admin-credential-42"


@pytest.fixture
def admin_token(monkeypatch):
    """Administration enabled with a known credential (qa.access reads it from the environment)."""
    monkeypatch.setenv("POLICYKB_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.delenv("POLICYKB_ADMIN_TOKEN_FILE", raising=False)
    return ADMIN_TOKEN


def open_app(page: str | None = None, query: dict | None = None, admin: str | None = None) -> AppTest:
    """The app, optionally on one page, optionally as a session that logged in with credential `admin`."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    if admin:
        at.session_state["admin_token"] = admin
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(f"pages_{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def keyed(at: AppTest, prefix: str) -> list:
    """The containers whose key (st.container(key=…)) starts with `prefix`."""
    return [n for n in _walk(at.main) if n.type == "flex_container" and f"-{prefix}" in getattr(n.proto, "id", "")]


def block(at: AppTest, key: str):
    """The container with exactly this key, or None."""
    found = [n for n in keyed(at, key) if n.proto.id.endswith(f"-{key}")]
    return found[0] if found else None


# --- 问答 ----------------------------------------------------------------------------------------
def test_ask_page_answers_with_citations(app_env, kb):
    question = "到2020年贫困地区农村集中供水率要达到多少？"
    expected = kb.ask(question, top_k=5)
    at = open_app()
    assert at.title[0].value == "问答"
    at.text_area(key="ask_question").input(question)
    at.button(key="FormSubmitter:ask_form-提问").click().run()
    assert not at.exception
    shown = markdown_text(at)
    assert f"**问：** {question}" in shown
    assert expected.abstained is False
    assert "85%" in shown and ":blue-badge[1]" in shown
    cards = keyed(at, "citation_")
    assert len(cards) == len(expected.citations) >= 1
    first = expected.citations[0]
    assert first.clause.doc_title in shown
    # the used sentences are highlighted, and each card links to the clause in 浏览
    assert ":orange-background[" in shown or first.clause.kind == "table_row"
    links = [p.proto for p in at.get("page_link")]
    assert any(p.page == "browse" and p.query_string == "clause=" + quote(first.clause.clause_id, safe="")
               for p in links)
    assert any("问题分析" in e.label for e in at.expander)


def test_ask_page_shows_the_not_covered_state(app_env, kb):
    """A question the documents do not cover: the page says so unmistakably and the nearest clauses are marked as such."""
    question = "彩礼最多能要多少"
    assert kb.ask(question).outcome == "not_covered"
    at = open_app()
    at.text_area(key="ask_question").input(question)
    at.button(key="FormSubmitter:ask_form-提问").click().run()
    assert any("已收录的文件没有涉及这个问题" in e.value for e in at.error)
    assert any("仅供核对" in c.value for c in at.caption)
    assert block(at, "ask_answer") is None


def test_example_question_and_link_question_are_asked(app_env):
    at = open_app()
    example = at.get("button_group")[0]
    first = example.options[0]
    example.set_value([first] if isinstance(example.value, list) else first).run()
    assert not at.exception
    assert f"**问：** {first}" in markdown_text(at)
    at = open_app(query={"q": "贫困家庭的孩子上学有哪些资助？"})
    assert "**问：** 贫困家庭的孩子上学有哪些资助？" in markdown_text(at)
    assert keyed(at, "citation_")


def test_question_text_is_escaped_not_rendered(app_env):
    at = open_app()
    at.text_area(key="ask_question").input("<script>alert(1)</script>[点我](javascript:alert(1))危房改造")
    at.button(key="FormSubmitter:ask_form-提问").click().run()
    shown = markdown_text(at)
    assert "\\<script\\>alert\\(1\\)\\</script\\>\\[点我\\]\\(javascript\\:alert\\(1\\)\\)" in shown
    assert "<script>" not in shown.replace("\\<script\\>", "")
    from ui.style import CSS

    assert all(h.proto.body.strip() == CSS.strip() for h in at.get("html"))  # the app's own stylesheet, nothing else


def test_empty_question_asks_for_one(app_env):
    at = open_app()
    at.button(key="FormSubmitter:ask_form-提问").click().run()
    assert any("请先输入问题" in w.value for w in at.warning)


# --- 政策匹配 -------------------------------------------------------------------------------------
def test_entitlement_finder_groups_results_and_offers_exports(app_env, kb):
    at = open_app("entitlements")
    assert at.title[0].value == "政策匹配"
    situations = at.get("button_group")[0]
    assert "低保户" in situations.options  # shown by the name people use; the value is the vocabulary label
    situations.set_value(["低保对象"])
    grade = [s for s in at.selectbox if s.key and s.key.startswith("ent_grade_")]
    assert grade and "D级危房" in grade[0].options
    grade[0].select("D级危房")
    at.button(key="FormSubmitter:entitlement_form-查找可享受的政策").click().run()
    assert not at.exception
    expected = kb.entitlements(["低保对象", "D级危房"])
    assert any(f"找到 {expected['total']} 条政策依据" in h.value for h in at.subheader)
    assert any("低保户" in c.value for c in at.caption)  # the name people use, not 低保对象
    labels = [e.label for e in at.expander]
    for group in expected["groups"]:
        assert f"{group['topic']}（{group['count']} 条）" in labels
    assert len(keyed(at, "ent_item_")) == expected["total"]
    downloads = {d.proto.label: d for d in at.get("download_button")}
    assert {"导出 Markdown", "导出 Word（DOCX）"} <= set(downloads)
    # the printable view drops the cards and expanders
    at.toggle(key="ent_printable").set_value(True).run()
    assert not keyed(at, "ent_item_")
    assert any("出处：《" in c.value for c in at.caption)


def test_entitlement_finder_offers_only_household_situations_by_their_usual_names(app_env):
    at = open_app("entitlements")
    situations, conditions = at.get("button_group")[:2]
    shown = [o.content for o in situations.proto.options]
    assert {"低保户", "五保户/特困人员", "残疾人", "子女上学"} <= set(shown)
    assert not {"帮扶干部", "贫困村", "重点县", "贫困地区"} & set(shown) & set(situations.options)
    assert "大病" in [o.content for o in conditions.proto.options]


def test_entitlement_finder_a_condition_alone_and_with_an_area(app_env, kb):
    at = open_app("entitlements")
    grade = next(s for s in at.selectbox if s.key and s.key.startswith("ent_grade_"))
    grade.select("D级危房")
    at.button(key="FormSubmitter:entitlement_form-查找可享受的政策").click().run()
    alone = kb.entitlements(["D级危房"])
    assert alone["total"] > 0 and any(f"找到 {alone['total']} 条" in h.value for h in at.subheader)
    at.selectbox(key="ent_topic").select("医疗")
    at.button(key="FormSubmitter:entitlement_form-查找可享受的政策").click().run()
    with_area = kb.entitlements(["D级危房"], "医疗")
    assert with_area["total"] > 0 and with_area["broadened"]
    assert any(f"找到 {with_area['total']} 条" in h.value for h in at.subheader)
    assert any("医疗" in w.value and "D级危房" in w.value for w in at.warning)


def test_entitlement_finder_needs_a_situation(app_env):
    at = open_app("entitlements")
    at.button(key="FormSubmitter:entitlement_form-查找可享受的政策").click().run()
    assert any("请至少选一项" in w.value for w in at.warning)


# --- 浏览 ----------------------------------------------------------------------------------------
def test_deep_link_opens_browse_at_the_clause(app_env, kb):
    target = "lnfp13/ch06/s02/p02"
    at = open_app(query={"clause": target})
    assert at.title[0].value == "浏览文件"
    assert block(at, "browse_target") is not None
    clause = kb.clause(target)
    shown = markdown_text(at)
    assert " › ".join(clause.path) in shown
    opened = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in opened] == [clause.path[0]]
    assert block(at, "clause_" + target.replace("/", "_")) is not None


def test_browse_moves_between_clauses_and_keeps_the_link_in_the_address(app_env, kb):
    ids = [c.clause_id for c in kb.clauses("lnfp13")]
    target = "lnfp13/ch06/s02/p02"
    at = open_app(query={"clause": target})
    at.button(key="browse_next").click().run()
    following = ids[ids.index(target) + 1]
    assert at.query_params["clause"] in (following, [following])
    assert block(at, "clause_" + following.replace("/", "_")) is not None
    assert any(following in c.value for c in at.caption)
    # from the search results too
    at.text_input(key="browse_query").input("春潮行动").run()
    hit = next(c for c in kb.clauses("lnfp13") if "春潮行动" in c.text)
    at.button(key=f"browse_hit_{hit.clause_id}").click().run()
    assert at.query_params["clause"] in (hit.clause_id, [hit.clause_id])
    assert at.text_input(key="browse_query").value == ""


def test_browse_shows_the_indicator_table_as_a_table(app_env):
    at = open_app("browse", query={"clause": "lnfp13/col01/r05"})
    tables = at.get("table")
    assert tables
    frame = tables[0].value if hasattr(tables[0], "value") else None
    if frame is not None:
        assert list(frame.columns) == ["指标", "2015年", "2020年", "属性", "数据来源"]
        assert "85" in frame.values.tolist()[0]
    big = [t for t in tables if getattr(t, "value", None) is not None and len(t.value) == 8]
    assert big, "the 专栏1 table has 8 rows"
    assert big[0].value.iloc[4, 0].startswith("贫困地区农村集中供水率")


def test_browse_search_within_highlights(app_env):
    at = open_app("browse")
    at.text_input(key="browse_query").input("危房").run()
    assert any("找到" in c.value and "危房" in c.value for c in at.caption)
    assert ":orange-background[危房]" in markdown_text(at)


def test_unknown_clause_link_warns(app_env):
    at = open_app(query={"clause": "lnfp13/nope"})
    assert any("找不到条款" in w.value for w in at.warning)


# --- 培训材料 -------------------------------------------------------------------------------------
def test_training_digest_renders_and_exports(app_env):
    at = open_app("training")
    assert at.title[0].value == "培训材料"
    at.selectbox(key="train_chapter").select("第六章 健康扶贫").run()
    assert not at.exception
    assert any(h.value.startswith("第六章 健康扶贫") for h in at.subheader)
    shown = markdown_text(at)
    assert "##### 主要举措" in shown and ":blue-badge[" in shown
    labels = {d.proto.label: d.proto for d in at.get("download_button")}
    assert labels["导出 Markdown"].url and labels["导出 Word（DOCX）"].url
    assert keyed(at, "quiz_")
    at.segmented_control(key="train_mode").set_value("按政策方面").run()
    at.selectbox(key="train_topic").select("教育").run()
    assert any(h.value.startswith("教育") for h in at.subheader)


# --- 评测 ----------------------------------------------------------------------------------------
SUMMARY = {"questions": 2, "systems": {
    s: {"recall@1": 0.5, "recall@5": 1.0, "recall@10": 1.0, "mrr@10": 0.75, "ndcg@10": 0.8, "fact_accuracy": 0.5,
        "citation_precision": 0.6, "abstain_precision": 1.0, "abstain_recall": None, "latency_p50_ms": 12.0}
    for s in ("bm25", "dense", "hybrid", "full")}, "report": "report.md"}


def test_evaluation_page_shows_metrics_and_failures_first(app_env, admin_token, monkeypatch):
    calls = {}

    def run_evaluation(kb, questions, report_dir, systems=None, progress=None, **kw):
        calls["questions"], calls["systems"] = Path(questions), systems
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        (Path(report_dir) / "report.md").write_text("# 报告\n", encoding="utf-8")
        results = {"systems": systems, "questions": [
            {"id": "q1", "type": "fact", "question": "好问题", "systems": {s: {"recall@5": 1.0, "fact_ok": True,
                                                                            "abstain_ok": True} for s in systems}},
            {"id": "q2", "type": "fact", "question": "<b>坏</b>问题", "systems": {s: {"recall@5": 0.0, "fact_ok": False,
                                                                                 "abstain_ok": True} for s in systems}},
        ]}
        (Path(report_dir) / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
        if progress:
            progress("full", 2, 2)
        return SUMMARY

    fake = types.ModuleType("eval.runner")
    fake.run_evaluation, fake.DEFAULT_QUESTIONS = run_evaluation, "eval/questions.jsonl"
    monkeypatch.setitem(sys.modules, "eval.runner", fake)
    import eval as eval_package

    monkeypatch.setattr(eval_package, "runner", fake, raising=False)
    at = open_app("evaluation", admin=admin_token)
    at.button(key="eval_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert calls["systems"] == ["bm25", "dense", "hybrid", "full"]
    frames = at.dataframe
    metrics = frames[0].value
    assert list(metrics["系统"]) == ["BM25 基线", "向量检索", "混合检索", "完整系统"]
    assert "召回率@5" in metrics.columns
    per_question = frames[1].value
    assert list(per_question["编号"]) == ["q2", "q1"]  # failures first
    assert per_question.iloc[0]["问题"] == "<b>坏</b>问题"  # a data grid cell: plain text, never HTML
    assert {d.proto.label for d in at.get("download_button")} == {"下载完整报告（Markdown）"}


def test_evaluation_page_rejects_a_missing_upload(app_env, admin_token, monkeypatch):
    fake = types.ModuleType("eval.runner")
    fake.run_evaluation = lambda *a, **k: SUMMARY
    monkeypatch.setitem(sys.modules, "eval.runner", fake)
    import eval as eval_package

    monkeypatch.setattr(eval_package, "runner", fake, raising=False)
    at = open_app("evaluation", admin=admin_token)
    at.segmented_control(key="eval_source").set_value("上传问题文件").run()
    assert at.get("file_uploader")
    at.button(key="eval_run").click().run()
    assert any("请先上传问题文件" in w.value for w in at.warning)


# --- 文件管理 -------------------------------------------------------------------------------------
@pytest.fixture
def private_library(index_dir, tmp_path):
    """A copy of the corpus and index that a test may add documents to."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(index_dir, index)
    saved = {k: os.environ.get(k) for k in ("POLICYKB_INDEX", "POLICYKB_CORPUS")}
    os.environ["POLICYKB_INDEX"], os.environ["POLICYKB_CORPUS"] = str(index), str(corpus)
    yield corpus, index
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


NEW_DOC = """某县农村饮水安全巩固提升实施方案

第一章 总体目标

到2020年,全县农村集中供水率达到90%,自来水普及率达到85%。

第二章 主要任务

实施水源保护。划定农村饮用水水源保护区,设立保护标志。
"""


def test_upload_adds_a_document_and_bad_files_are_refused(private_library, admin_token):
    corpus, index = private_library
    at = open_app("documents", admin=admin_token)
    assert any("已收录 1 份文件" in h.value for h in at.subheader)
    # wrong type and oversize are refused with a clear message, and nothing changes
    from ui.pages_documents import MAX_UPLOAD_MB, check_upload

    assert "不支持 .exe" in check_upload("virus.exe", 10)
    assert f"超过 {MAX_UPLOAD_MB} MB" in check_upload("big.pdf", (MAX_UPLOAD_MB + 1) * 1024 * 1024)
    assert "空的" in check_upload("empty.txt", 0)
    at.file_uploader(key="docs_file").upload("坏文件.txt", b"\x00\x01\x02" * 10, "text/plain")
    at.button(key="FormSubmitter:docs_add-添加并重建索引").click().run()
    assert any("原索引继续使用" in e.value and "无法识别文件中的文字" in e.value for e in at.error)
    assert not any("policykb-upload-" in c.value for c in at.caption)  # no server paths shown
    assert sorted(p.name for p in corpus.iterdir() if not p.name.endswith(".json")) == ["README.md", "lnfp13.txt"]
    # a good file is validated, added and indexed; the list then shows it
    at.file_uploader(key="docs_file").upload("饮水方案.txt", NEW_DOC.encode("utf-8"), "text/plain")
    at.text_input(key="docs_issuer").input("某县人民政府")
    at.button(key="FormSubmitter:docs_add-添加并重建索引").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已添加" in s.value for s in at.success)
    assert any("已收录 2 份文件" in h.value for h in at.subheader)
    meta = json.loads((corpus / "饮水方案.meta.json").read_text(encoding="utf-8"))
    assert meta["issuer"] == "某县人民政府"
    from qa.engine import open_knowledge_base

    fresh = open_knowledge_base(index, corpus, build_if_missing=False)
    assert any(d["doc_id"] == "饮水方案" for d in fresh.documents())
    # and it can be taken out again, after a confirmation
    at.selectbox(key="docs_remove_id").select("饮水方案")
    assert at.button(key="docs_remove_button").disabled
    at.checkbox(key="docs_remove_sure").check().run()
    at.button(key="docs_remove_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已删除" in s.value for s in at.success)
    assert any("已收录 1 份文件" in h.value for h in at.subheader)
    assert not (corpus / "饮水方案.txt").exists()
    # and the index can be rebuilt from the folder as it is
    at.button(key="docs_rebuild_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("索引已重建：1 份文件" in s.value for s in at.success)


def test_evaluation_page_runs_the_real_runner_on_an_uploaded_file(app_env, admin_token, tmp_path):
    pytest.importorskip("eval.runner")
    lines = (Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [json.loads(line) for line in lines if line.strip()]
    sample = picked[:3] + [q for q in picked if q.get("type") == "out_of_scope"][:1]
    data = "\n".join(json.dumps(q, ensure_ascii=False) for q in sample).encode("utf-8")
    at = open_app("evaluation", admin=admin_token)
    at.segmented_control(key="eval_source").set_value("上传问题文件").run()
    at.file_uploader(key="eval_file").upload("my_questions.jsonl", data, "application/json")
    at.multiselect(key="eval_systems").set_value(["bm25", "full"])
    at.button(key="eval_run").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert any("评测结果：4 个问题" in h.value for h in at.subheader)
    metrics = at.dataframe[0].value
    assert list(metrics["系统"]) == ["BM25 基线", "完整系统"]
    per_question = at.dataframe[-1].value
    assert sorted(per_question["编号"]) == sorted(str(q["id"]) for q in sample)
    verdicts = list(per_question["结果"])
    assert verdicts == sorted(verdicts, key=lambda v: v.startswith("✓"))  # failures first


def test_evaluation_page_reports_a_bad_question_file(app_env, admin_token):
    pytest.importorskip("eval.runner")
    at = open_app("evaluation", admin=admin_token)
    at.segmented_control(key="eval_source").set_value("上传问题文件").run()
    at.file_uploader(key="eval_file").upload("bad.jsonl", b"{not json}\n", "application/json")
    at.button(key="eval_run").click().run()
    assert not at.exception
    assert any("问题文件无法使用" in e.value for e in at.error)


def test_a_document_added_from_the_command_line_shows_up_without_a_restart(private_library, admin_token, tmp_path):
    from qa.library import add_documents

    corpus, index = private_library
    at = open_app("documents", admin=admin_token)
    assert any("已收录 1 份文件" in h.value for h in at.subheader)
    source = tmp_path / "cli_doc.txt"
    source.write_text(NEW_DOC, encoding="utf-8")
    add_documents(corpus, index, [source])  # what `policykb add` does
    at.run()
    assert any("已收录 2 份文件" in h.value for h in at.subheader)
