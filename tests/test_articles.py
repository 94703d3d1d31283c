"""Articles whole: a 第X条 with its (一)(二)… items is one citable clause that keeps its number (in every
part, when long), knows the documents it refers to, and answers a list question with its items."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.clause import Document
from indexer.load import read_document
from indexer.segment import article_items, segment_document

ROOT = Path(__file__).resolve().parents[1]
POLICIES = next((p for p in (ROOT.parent / "shared" / "policies", ROOT.parent.parent / "shared" / "policies")
                 if p.is_dir()), ROOT.parent / "shared" / "policies")
needs_policies = pytest.mark.skipif(not POLICIES.is_dir(), reason="../shared/policies is not here")


def clauses_of(text: str, doc_id: str = "d") -> list:
    return segment_document(Document(doc_id, "某条例", text))


def test_an_article_keeps_its_items_even_short_ones():
    text = ("第一章 总则\n\n第三条 本法所称慈善活动，是指下列公益活动：\n\n（一）扶贫、济困\n\n（二）扶老、救孤\n\n"
            "（三）其他公益活动\n\n第四条 慈善工作应当遵循公开的原则。\n")
    clauses = clauses_of(text)
    assert [c.clause_id for c in clauses] == ["d/art003", "d/art004"]
    art = clauses[0]
    assert art.article == "第三条" and art.title == "本法所称慈善活动，是指下列公益活动"
    assert [label for label, _s, _e in article_items(art)] == ["（一）", "（二）", "（三）"]
    assert [art.text[s:e] for _l, s, e in article_items(art)][1] == "（二）扶老、救孤"


def test_a_heading_after_an_article_that_lists_nothing_is_still_a_heading():
    clauses = clauses_of("第一条 为了救助，制定本条例。\n\n一、附录说明\n\n说明的内容。\n")
    assert clauses[0].text == "第一条 为了救助，制定本条例。" and clauses[1].path == ["一、附录说明"]


def test_items_with_deeper_items_and_a_closing_paragraph():
    text = ("第十条 申请救助，按照下列程序办理：\n\n(一)提出申请；\n\n1.填写申请书；\n\n2.提交证明；\n\n(二)审核；\n\n"
            "前款规定的程序，由县级人民政府民政部门组织实施。\n")
    art = clauses_of(text)[0]
    items = article_items(art)
    assert [label for label, _s, _e in items] == ["(一)", "(二)"]
    assert art.text[items[0][1]:items[0][2]] == "(一)提出申请；\n\n1.填写申请书；\n\n2.提交证明；"
    assert "前款" not in art.text[items[1][1]:items[1][2]]


def test_a_long_article_is_cut_at_sentence_ends_and_every_part_keeps_its_number():
    long = "第十五条 " + "".join(f"第{n}句规定救助的具体内容和标准，由县级以上人民政府确定并公布。" for n in range(40))
    clauses = clauses_of(long + "\n\n第十六条 本条例自2020年1月1日起施行。\n")
    parts = [c for c in clauses if c.article == "第十五条"]
    assert len(parts) >= 2 and [c.clause_id for c in parts][:2] == ["d/art015", "d/art015-2"]
    assert all(len(c.text) <= 900 for c in parts) and "".join(c.text for c in parts) == long
    assert clauses[-1].clause_id == "d/art016" and clauses[-1].article == "第十六条"


def test_appended_articles_and_an_attachment():
    text = ("第一条 总则。\n\n第一条之一 补充规定。\n\n第二条 本办法自公布之日起施行。\n\n附件\n\n第一条 附件的条文。\n")
    ids = [(c.clause_id, c.article) for c in clauses_of(text)]
    assert ids == [("d/art001", "第一条"), ("d/art001_1", "第一条之一"), ("d/art002", "第二条"),
                   ("d/annex01/art001", "第一条")]


def test_references_are_titles_and_document_numbers():
    text = ("第一条 根据《社会救助暂行办法》和《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号），"
            "依照民发〔2014〕12号文件，制定本条例。\n")
    assert clauses_of(text)[0].refs == ["社会救助暂行办法", "国务院关于进一步健全特困人员救助供养制度的意见",
                                        "国发〔2016〕14号", "民发〔2014〕12号"]


def test_the_plan_has_no_articles_and_keeps_its_ids(seed_clauses):
    assert all(c.article == "" for c in seed_clauses)
    assert {"lnfp13/pre/p01", "lnfp13/ch06/s02/p02", "lnfp13/col08/i05", "lnfp13/col01/r03"} <= {c.clause_id for c in seed_clauses}
    assert any("国务院关于印发十三五脱贫攻坚规划的通知" in c.refs for c in seed_clauses)


@needs_policies
def test_shared_policies_are_cut_into_whole_articles():
    for path in sorted(POLICIES.glob("*).md")):
        doc = read_document(path, "d")
        clauses = segment_document(doc)
        assert all(c.article and c.clause_id.split("/")[-1].startswith("art") for c in clauses), path.name
        for c in clauses:
            assert doc.text[c.start:c.end] == c.text
            assert c.text.startswith(c.article) or "-" in c.clause_id   # a later part starts mid-article
    doc = read_document(POLICIES / "社会救助暂行办法(2019-03-02).md", "shjz")
    art15 = next(c for c in segment_document(doc) if c.clause_id == "shjz/art015")
    assert [art15.text[s:e] for _l, s, e in article_items(art15)] == [
        "(一)提供基本生活条件；", "(二)对生活不能自理的给予照料；", "(三)提供疾病治疗；", "(四)办理丧葬事宜。"]


def test_a_list_question_over_an_article_is_answered_with_its_items(run_cli, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "救助办法.md").write_text(
        "# 某省社会救助办法\n\n2015年1月1日 某省人民政府令第1号公布\n\n<!-- INFO END -->\n\n## 第一章 特困人员供养\n\n"
        "第十四条 国家对无劳动能力、无生活来源的老年人给予特困人员供养。\n\n"
        "第十五条 特困人员供养的内容包括：\n\n(一)提供基本生活条件；\n\n(二)对生活不能自理的给予照料；\n\n"
        "(三)提供疾病治疗；\n\n(四)办理丧葬事宜。\n\n特困人员供养标准，由省人民政府确定、公布。\n\n"
        "第十六条 申请特困人员供养，由本人向乡镇人民政府提出书面申请。\n\n## 第二章 医疗救助\n\n"
        "第十七条 医疗救助采取下列方式：\n\n(一)资助参加基本医疗保险；\n\n(二)对个人负担的医疗费用给予补助。\n",
        encoding="utf-8")
    assert run_cli("--index", index, "--corpus", corpus, "build")[0] == 0
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "特困人员供养包括哪些内容？", "--json")
    answer = json.loads(out)
    first = answer["citations"][0]
    assert code == 0 and first["clause_id"] == "救助办法/art015"
    for item in ("(一)提供基本生活条件", "(二)对生活不能自理的给予照料", "(三)提供疾病治疗", "(四)办理丧葬事宜"):
        assert f"{item} [1]" in answer["answer"]
    assert "第十五条" in answer["answer"].split("\n")[0]
    assert [first["text"][s:e] for s, e in first["highlights"]][1:] == [
        "(一)提供基本生活条件；", "(二)对生活不能自理的给予照料；", "(三)提供疾病治疗；", "(四)办理丧葬事宜。"]
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "clauses", "--json")
    rows = {r["clause_id"]: r for r in map(json.loads, out.splitlines())}
    assert rows["救助办法/art015"]["article"] == "第十五条" and rows["救助办法/art015"]["refs"] == []
