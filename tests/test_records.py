"""Documents as records: metadata read from the documents themselves (the 14 shared policies, the plan,
small documents written here), options that override it, and editions linked across a corpus."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.load import read_document
from indexer.records import build_record, link_editions, split_header
from indexer.segment import segment_document

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout (CI, /work/main); from a worktree one level further down, ../../shared
POLICIES = next((p for p in (ROOT.parent / "shared" / "policies", ROOT.parent.parent / "shared" / "policies")
                 if p.is_dir()), ROOT.parent / "shared" / "policies")
needs_policies = pytest.mark.skipif(not POLICIES.is_dir(), reason="../shared/policies is not here")


def policy_files() -> list[Path]:
    return sorted(p for p in POLICIES.glob("*.md") if p.name != "README.md") if POLICIES.is_dir() else []


def record_of(path: Path, meta: dict | None = None, doc_id: str | None = None):
    doc = read_document(path, doc_id or path.stem, title=(meta or {}).get("title"), meta=meta)
    return build_record(doc_id or path.stem, doc.title, doc.text, doc.meta, path.name), doc


@needs_policies
def test_every_shared_policy_has_issuer_date_kind_level_region():
    files = policy_files()
    assert len(files) == 14
    for path in files:
        rec, _ = record_of(path)
        missing = [k for k in ("issuer", "issued", "kind", "level", "region", "effective", "edition", "work")
                   if not getattr(rec, k) or getattr(rec, k) == "其他"]
        assert not missing, (path.name, missing)
        assert rec.history and all(h["date"] and h["event"] for h in rec.history), path.name


@needs_policies
@pytest.mark.parametrize("name, expected", [
    ("社会救助暂行办法(2019-03-02).md", dict(issuer="国务院", doc_number="国务院令第649号", kind="行政法规", level="国家",
                                      region="全国", issued="2014-02-21", effective="2014-05-01")),
    ("农村五保供养工作条例(2006-01-21).md", dict(issuer="国务院", doc_number="国务院令第456号", issued="2006-01-21",
                                         effective="2006-03-01", kind="行政法规")),
    ("残疾人保障法(2018-10-26).md", dict(issuer="全国人民代表大会常务委员会", kind="法律", issued="1990-12-28",
                                   revised="2018-10-26", edition="2018年修正", title="中华人民共和国残疾人保障法")),
    ("慈善法(2016-03-16).md", dict(issuer="全国人民代表大会", kind="法律", effective="2016-09-01", edition="2016年版")),
    ("上海市社会救助条例(2024-12-31).md", dict(issuer="上海市人民代表大会常务委员会", kind="地方性法规", level="省级",
                                         region="上海市", revised="2024-12-31", edition="2024年修正")),
    ("重庆市城乡居民最低生活保障条例(2016-03-31).md", dict(region="重庆市", kind="地方性法规", revised="2016-03-31",
                                                 edition="2016年修订", effective="2016-05-01")),
    ("河南省扶贫开发条例(2017-12-04).md", dict(region="河南省", level="省级", issued="2017-12-01", effective="2018-01-01")),
])
def test_records_read_from_the_header_and_body(name, expected):
    rec, _ = record_of(POLICIES / name)
    assert {k: getattr(rec, k) for k in expected} == expected


@needs_policies
def test_the_header_is_metadata_not_a_clause():
    for path in policy_files():
        doc = read_document(path, "d")
        clauses = segment_document(doc)
        assert "INFO END" not in doc.text and "<!--" not in doc.text, path.name
        assert all(c.kind != "preamble" for c in clauses), path.name      # the header was the only preamble
        assert all("会议通过" not in c.text[:60] or c.clause_id.split("/")[-1].startswith("art") for c in clauses)
        assert clauses[0].text.startswith("第一条"), (path.name, clauses[0].text[:30])


@needs_policies
def test_editions_of_one_law_are_linked_never_dropped():
    records = [record_of(POLICIES / n, doc_id=d)[0] for n, d in
               (("慈善法(2023-12-29).md", "cs2023"), ("慈善法(2016-03-16).md", "cs2016"),
                ("上海市社会救助条例(2018-11-22).md", "sh2018"), ("上海市社会救助条例(2024-12-31).md", "sh2024"),
                ("社会救助暂行办法(2019-03-02).md", "shjz"))]
    by_id = {r.doc_id: r for r in link_editions(records, today="2026-01-01")}
    assert by_id["cs2023"].work == by_id["cs2016"].work == "慈善法"
    assert (by_id["cs2023"].status, by_id["cs2016"].status) == ("现行有效", "已被修订")
    assert by_id["cs2016"].superseded_by == "cs2023" and by_id["cs2023"].supersedes == "cs2016"
    assert (by_id["sh2024"].status, by_id["sh2018"].status) == ("现行有效", "已被修订")
    assert by_id["shjz"].status == "现行有效" and by_id["shjz"].supersedes is None


def test_an_edition_not_yet_in_force(tmp_path):
    old, new = tmp_path / "某省救助条例(2010-01-01).md", tmp_path / "某省救助条例(2030-01-01).md"
    for path, year in ((old, 2010), (new, 2030)):
        path.write_text(f"# 河北省救助条例\n\n{year}年1月1日 河北省第一届人民代表大会常务委员会第一次会议通过\n\n"
                        f"<!-- INFO END -->\n\n第一条 为了救助，制定本条例。\n\n第二条 本条例自{year}年3月1日起施行。\n",
                        encoding="utf-8")
    records = link_editions([record_of(old)[0], record_of(new)[0]], today="2026-01-01")
    assert [r.status for r in records] == ["现行有效", "尚未施行"]
    assert records[1].effective == "2030-03-01" and records[0].region == "河北省" and records[0].kind == "地方性法规"


def test_a_notice_states_its_issuer_and_number_and_options_win(tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text("浙江省人民政府关于印发浙江省低收入农户帮扶办法的通知\n\n浙政发〔2019〕12号\n\n各市、县人民政府：\n\n"
                      "现将《浙江省低收入农户帮扶办法》印发给你们，请认真贯彻执行。本办法自2019年7月1日起施行。\n", encoding="utf-8")
    rec, _ = record_of(notice)
    assert (rec.issuer, rec.doc_number, rec.kind, rec.region, rec.level, rec.effective) == \
        ("浙江省人民政府", "浙政发〔2019〕12号", "通知", "浙江省", "省级", "2019-07-01")
    rec, _ = record_of(notice, meta={"title": "低收入农户帮扶办法", "issuer": "某县民政局", "kind": "办法",
                                     "region": "辽宁", "date": "2019-06-01", "effective": "2019-08-01"})
    assert (rec.title, rec.issuer, rec.kind, rec.region, rec.issued, rec.effective) == \
        ("低收入农户帮扶办法", "某县民政局", "办法", "辽宁省", "2019-06-01", "2019-08-01")


def test_the_plan_is_a_provincial_plan(seed_document):
    meta = json.loads((ROOT / "corpus" / "lnfp13.meta.json").read_text(encoding="utf-8"))
    doc = read_document(ROOT / "corpus" / "lnfp13.txt", "lnfp13", title=meta["title"], meta=meta)
    rec = build_record("lnfp13", doc.title, doc.text, doc.meta, "lnfp13.txt")
    assert (rec.kind, rec.level, rec.region, rec.issuer, rec.issued) == ("规划", "省级", "辽宁省", "辽宁省人民政府", "2017-03-15")
    assert doc.text == seed_document.text     # no header split off a web copy


def test_split_header_keeps_titles_history_and_number():
    raw = ("# 最高人民法院关于某问题的批复\n\n法释〔2021〕11号\n\n2021年5月31日 最高人民法院审判委员会第1840次会议通过\n\n"
           "2021年6月3日 施行\n\n<!-- INFO END -->\n\n最高人民法院关于某问题的批复\n\n一、答复如下。\n")
    header, body = split_header(raw)
    assert header["title"] == "最高人民法院关于某问题的批复" and header["doc_number"] == "法释〔2021〕11号"
    assert [h["date"] for h in header["history"]] == ["2021-05-31", "2021-06-03"]
    assert "批复" not in body and "一、答复如下。" in body
    assert split_header("没有头部的文本") == (None, "没有头部的文本")


def test_records_in_the_manifest_list_and_options(run_cli, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for year, months in ((2015, "三"), (2021, "六")):
        (corpus / f"河北省救助条例-{year}-01-01.md").write_text(
            f"# 河北省救助条例\n\n2015年1月1日 河北省第十二届人民代表大会常务委员会第一次会议通过\n\n"
            + (f"{year}年1月1日 河北省第十三届人民代表大会常务委员会第二次会议修正\n\n" if year > 2015 else "")
            + f"<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 困难群众可以申请救助，救助期限{months}个月。\n\n"
            "第二条 本条例自2015年3月1日起施行。\n", encoding="utf-8")
    assert run_cli("--index", index, "--corpus", corpus, "build")[0] == 0
    note = tmp_path / "note.txt"
    note.write_text("关于做好冬季救助工作的通知\n\n各县民政局：\n\n请做好冬季困难群众救助工作，确保群众温暖过冬。\n", encoding="utf-8")
    code, _, _ = run_cli("--index", index, "--corpus", corpus, "add", note, "--kind", "通知", "--region", "河北",
                         "--issuer", "河北省民政厅", "--effective", "2020-11-01")
    assert code == 0
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"]["河北省救助条例-2021-01-01"]["record"]["status"] == "现行有效"
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "list", "--json")
    docs = {d["doc_id"]: d for d in map(json.loads, out.splitlines())}
    old, new = docs["河北省救助条例-2015-01-01"], docs["河北省救助条例-2021-01-01"]
    assert (old["status"], old["superseded_by"], new["supersedes"]) == ("已被修订", new["doc_id"], old["doc_id"])
    assert (new["edition"], new["kind"], new["region"], new["level"]) == ("2021年修正", "地方性法规", "河北省", "省级")
    assert (docs["note"]["kind"], docs["note"]["region"], docs["note"]["issuer"], docs["note"]["effective"]) == \
        ("通知", "河北省", "河北省民政厅", "2020-11-01")
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "clauses", "--json")
    assert all(json.loads(line)["kind"] != "preamble" or json.loads(line)["doc_id"] == "note" for line in out.splitlines())
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "list")
    assert "地方性法规 · 河北省人民代表大会常务委员会 · 河北省 · 2015年版 · 已被修订" in out
    code, _, err = run_cli("--index", index, "--corpus", corpus, "add", note, "--id", "n2", "--kind", "公告")
    assert code == 2 and "--kind" in err


def test_citations_say_document_article_edition_status_and_references_are_linked(run_cli, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "救助办法.md").write_text(
        "# 社会救助暂行办法\n\n2014年2月21日 中华人民共和国国务院令第649号公布\n\n<!-- INFO END -->\n\n"
        "第十一条 申请最低生活保障，由共同生活的家庭成员向乡镇人民政府提出书面申请。\n\n"
        "第十二条 本办法自2014年5月1日起施行。\n", encoding="utf-8")
    (corpus / "某市条例.md").write_text(
        "# 重庆市城乡居民最低生活保障条例\n\n2016年3月31日 重庆市第四届人民代表大会常务委员会第二十四次会议修订\n\n"
        "<!-- INFO END -->\n\n第一条 根据《社会救助暂行办法》和《城市居民最低生活保障条例》，依照渝民发〔2015〕3号，"
        "结合本市实际，制定本条例。持《低保证》领取保障金。\n", encoding="utf-8")
    assert run_cli("--index", index, "--corpus", corpus, "build")[0] == 0
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "申请最低生活保障向哪里提出申请", "--json")
    first = json.loads(out)["citations"][0]
    assert first["clause_id"] == "救助办法/art011" and first["article"] == "第十一条"
    assert first["label"] == "《社会救助暂行办法》第十一条 · 国务院令第649号 · 现行有效"
    assert first["document"] == {"title": "社会救助暂行办法", "doc_number": "国务院令第649号", "issuer": "国务院",
                                 "kind": "行政法规", "region": "全国", "edition": "2014年版", "status": "现行有效"}
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "申请最低生活保障向哪里提出申请")
    assert "[1] 《社会救助暂行办法》第十一条 · 国务院令第649号 · 现行有效" in out
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "list", "--json")
    docs = {d["doc_id"]: d for d in map(json.loads, out.splitlines())}
    assert docs["某市条例"]["references"] == [{"ref": "社会救助暂行办法", "doc_id": "救助办法"}]
    assert docs["某市条例"]["missing_refs"] == ["城市居民最低生活保障条例", "渝民发〔2015〕3号"]   # not 《低保证》
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "重庆低保条例是根据什么制定的", "--json")
    cited = next(c for c in json.loads(out)["citations"] if c["clause_id"] == "某市条例/art001")
    assert cited["refs"][0] == {"ref": "社会救助暂行办法", "doc_id": "救助办法"}
    assert cited["label"] == "《重庆市城乡居民最低生活保障条例》第一条 · 2016年修订 · 现行有效"


@needs_policies
def test_inspect_shows_what_the_text_says_about_the_document(run_cli):
    code, out, _ = run_cli("inspect", "--file", POLICIES / "社会救助暂行办法(2019-03-02).md")
    assert code == 0
    assert "record: 行政法规 · 国务院 · 国务院令第649号 · 国家 · 全国 · 2019年版 · 发布 2014-02-21 · 施行 2014-05-01" in out
