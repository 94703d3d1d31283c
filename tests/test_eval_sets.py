"""Evaluation over many documents, the fast parts: question files with document anchors, gold resolved
from anchors, the edition/region metrics, the sets file and the set's cached index key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import load_questions, parse_question
from eval.metrics import Outcome, edition_correct, foreign_lead, region_correct, summarize
from eval.runner import is_header
from eval.sets import AnchorResolver, EvalSet, anchor_doc_id, load_sets, resolve_questions, set_key, shared_dir
from indexer.clause import Clause
from indexer.corpus import make_doc_id
from indexer.errors import BadInput
from indexer.regions import default_regions

ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_dir() / "policies"   # ../shared/policies (or the nearest shared/ above a deeper worktree)


def clause(cid: str, doc: str, text: str, kind: str = "paragraph") -> Clause:
    return Clause(cid, doc, doc, [], kind, text, 0, len(text))


def test_a_question_over_many_documents_parses():
    q = parse_question({"id": "p1", "question": "登记满几年能申请公开募捐？", "persona": "evaluator", "type": "edition",
                        "region": None, "anchors": [{"doc": "慈善法(2023-12-29)", "text": "依法登记满一年的慈善组织"}],
                        "facts": ["满一年"], "expect_doc": "慈善法(2023-12-29)", "split": "test"}, "x:1")
    assert q.gold == [] and q.chapter is None and q.split == "test" and q.expect_doc == "慈善法(2023-12-29)"
    assert q.doc_anchors == [{"doc": "慈善法(2023-12-29)", "text": "依法登记满一年的慈善组织"}]
    assert q.to_json()["anchors"] == q.anchors and "region" not in q.to_json()


@pytest.mark.parametrize("bad", [{"anchors": [{"doc": "x"}]}, {"anchors": ["plain text"]}, {"split": "dev"},
                                 {"region": 3}])
def test_malformed_many_document_questions_are_refused(bad):
    obj = {"id": "p1", "question": "问题", "persona": "cadre", "type": "fact", "anchors": [], "facts": []}
    obj.update(bad)
    with pytest.raises(BadInput):
        parse_question(obj, "x:1")


def test_the_first_sets_files_still_parse_unchanged():
    for name in ("questions.jsonl", "questions_holdout.jsonl"):
        questions = load_questions(ROOT / "eval" / name)
        assert all(q.gold for q in questions if not q.out_of_scope)
        assert not any(q.doc_anchors or q.region or q.expect_doc for q in questions)


def test_anchor_docs_map_through_the_id_policykb_add_gives():
    assert anchor_doc_id("慈善法(2023-12-29)") == make_doc_id("慈善法(2023-12-29).md") == "慈善法-2023-12-29"
    assert anchor_doc_id("lnfp13", {"lnfp13"}) == "lnfp13"


def test_gold_is_the_clause_holding_the_anchor_whatever_the_segmentation():
    whole = [clause("d/art003", "慈善法-2023-12-29", "第三条 本法所称慈善活动，是指：\n（一）扶贫、济困；\n（二）扶老、救孤")]
    split = [clause("d/art003", "慈善法-2023-12-29", "第三条 本法所称慈善活动，是指："),
             clause("d/art003/i01", "慈善法-2023-12-29", "（一）扶贫、济困；"),
             clause("d/art003/i02", "慈善法-2023-12-29", "（二）扶老、救孤")]
    for clauses, expected in ((whole, "d/art003"), (split, "d/art003/i01")):
        resolver = AnchorResolver(clauses)
        assert resolver.clause_id("慈善法(2023-12-29)", "（一） 扶贫、济困") == expected   # spaces ignored
    # an anchor running over two clauses belongs to the one holding most of it
    assert AnchorResolver(split).clause_id("慈善法(2023-12-29)", "是指：（一）扶贫、济困；") == "d/art003/i01"
    assert AnchorResolver(split).clause_id("慈善法(2023-12-29)", "不存在的文字") is None
    assert AnchorResolver(split).clause_id("别的文件", "扶贫") is None


def test_resolving_a_question_file_reports_anchors_that_match_nothing(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "什么是慈善活动", "persona": "cadre", "type": "fact",
             "anchors": [{"doc": "慈善法(2023-12-29)", "text": "扶贫、济困"}, {"doc": "慈善法(2023-12-29)", "text": "没有这句"}],
             "facts": ["扶贫"], "expect_doc": "慈善法(2023-12-29)"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    clauses = [clause("c/art003", "慈善法-2023-12-29", "第三条 慈善活动包括扶贫、济困")]
    questions, unresolved = resolve_questions(load_questions(path), clauses)
    assert questions[0].gold == ["c/art003"] and questions[0].expect_doc == "慈善法-2023-12-29"
    assert unresolved == [{"id": "a", "doc": "慈善法(2023-12-29)", "text": "没有这句"}]


def outcome(**kw) -> Outcome:
    base = dict(qid="q", type="edition", persona="cadre", gold=["g"], facts=[], ranked=["g"])
    base.update(kw)
    return Outcome(**base)


def test_edition_accuracy_looks_at_the_first_citation_only():
    assert edition_correct(outcome(expect_doc="new", cited_docs=["new", "old"]))
    assert not edition_correct(outcome(expect_doc="new", cited_docs=["old", "new"]))
    assert not edition_correct(outcome(expect_doc="new", cited_docs=[]))      # an abstention cites nothing
    summary = summarize([outcome(expect_doc="new", cited_docs=["new"]), outcome(expect_doc="new", cited_docs=["old"]),
                         outcome(type="fact", expect_doc="new", cited_docs=["old"])])
    assert summary["edition_accuracy"] == 0.5 and summary["n_edition"] == 2
    assert summary["region_accuracy"] is None and summary["n_region"] == 0


def test_region_accuracy_wants_the_askers_region_first_or_expect_doc():
    zj = dict(type="region", region="浙江省", region_province="浙江省")
    assert region_correct(outcome(**zj, cited_docs=["zj"], cited_regions=["浙江省"]))
    assert not region_correct(outcome(**zj, cited_docs=["gj"], cited_regions=["全国"]))
    assert region_correct(outcome(**zj, region_in_library=False, cited_docs=["gj"], cited_regions=["全国"]))
    assert not region_correct(outcome(**zj, expect_doc="zj2", cited_docs=["zj"], cited_regions=["浙江省"]))
    assert foreign_lead(outcome(**zj, cited_docs=["sh"], cited_regions=["上海市"], cited_provinces=["上海市"]))
    assert not foreign_lead(outcome(**zj, cited_docs=["gj"], cited_regions=["全国"], cited_provinces=["全国"]))
    summary = summarize([outcome(**zj, cited_docs=["sh"], cited_regions=["上海市"], cited_provinces=["上海市"]),
                         outcome(**zj, cited_docs=["zj"], cited_regions=["浙江省"], cited_provinces=["浙江省"])])
    assert summary["region_accuracy"] == 0.5 and summary["region_foreign_leads"] == 1


def test_a_markdown_header_cut_as_a_clause_is_recognised():
    header = "中华人民共和国慈善法\n2016年3月16日 第十二届全国人民代表大会第四次会议通过\n<!-- INFO END -->"
    assert is_header(clause("h", "d", header, kind="preamble"))
    assert is_header(clause("h", "d", "2014年2月21日 中华人民共和国国务院令第649号公布", kind="preamble"))
    assert not is_header(clause("p", "d", "本办法自2014年5月1日起施行。", kind="preamble"))
    assert not is_header(clause("p", "d", header, kind="paragraph"))


def test_regions_read_any_form_of_a_province_or_city():
    regions = default_regions()
    assert [r.name for r in regions.find("我在重庆，问浙江的低保")] == ["重庆市", "浙江省"]
    assert regions.canonical("辽宁") == "辽宁省" and regions.canonical("沈阳") == "沈阳市"
    assert regions.province_of("沈阳市") == "辽宁省" and regions.province_of("浙江省") == "浙江省"
    assert regions.canonical("火星") is None
    assert [r.name for r in regions.find("内蒙古自治区")] == ["内蒙古自治区"]   # the longer form wins


def test_the_sets_file_names_the_first_set_and_the_policies_set():
    sets = {s.name: s for s in load_sets()}
    assert not sets["plan"].own_index and sets["plan"].questions == ROOT / "eval" / "questions.jsonl"
    policies = sets["policies"]
    if SHARED.is_dir():
        assert len(policies.documents) == 14 and all(p.suffix == ".md" for p in policies.documents)
        assert not any(p.name.lower() == "readme.md" for p in policies.documents)
    else:
        assert policies.unavailable


def test_a_sets_index_key_follows_the_content_of_its_files(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("第一条 一", encoding="utf-8")
    doc = tmp_path / "b.md"
    doc.write_text("第一条 二", encoding="utf-8")
    s = EvalSet("x", tmp_path / "q.jsonl", corpus, (doc,))
    key = set_key(s)
    assert set_key(s) == key
    doc.write_text("第一条 三", encoding="utf-8")
    assert set_key(s) != key
