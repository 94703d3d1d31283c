"""qa/scope.py: editions, regions and named documents, on document lists made up here (pure functions)."""
from __future__ import annotations

from dataclasses import dataclass

from indexer.regions import default_regions
from qa.scope import (apply_scope, bare_title, document_names, document_region, edition_note, keep_scope_lead,
                      Scope, library_of, scope_for)

REGIONS = default_regions()


def library(*docs: dict) -> dict:
    return library_of(list(docs), REGIONS)


# editions told apart by the date in their file name only, as an index without records has them
CHARITY_2016 = {"doc_id": "c2016", "title": "中华人民共和国慈善法", "file": "慈善法-2016-03-16.md"}
CHARITY_2023 = {"doc_id": "c2023", "title": "中华人民共和国慈善法", "file": "慈善法-2023-12-29.md"}
RELIEF = {"doc_id": "relief", "title": "社会救助暂行办法", "file": "社会救助暂行办法-2019-03-02.md"}
ZJ = {"doc_id": "zj", "title": "浙江省社会救助条例", "file": "zj.md"}
SH = {"doc_id": "sh", "title": "上海市社会救助条例", "file": "sh.md"}
CQ = {"doc_id": "cq", "title": "重庆市城乡居民最低生活保障条例", "file": "cq.md"}
PLAN = {"doc_id": "plan", "title": "辽宁省“十三五”脱贫攻坚规划", "file": "plan.txt"}
LIB = library(CHARITY_2016, CHARITY_2023, RELIEF, ZJ, SH, CQ, PLAN)


def test_documents_get_their_region_from_the_record_or_the_title():
    assert document_region({"title": "浙江省社会救助条例"}, REGIONS) == "浙江省"
    assert document_region({"title": "上海社会救助条例"}, REGIONS) == "上海市"
    assert document_region({"title": "社会救助暂行办法"}, REGIONS) == "全国"
    assert document_region({"title": "某某办法", "region": "重庆"}, REGIONS) == "重庆市"
    assert LIB["plan"].region == "辽宁省" and LIB["relief"].region == "全国"


def test_editions_without_records_are_ordered_by_their_file_date():
    assert LIB["c2023"].status == "现行有效" and LIB["c2016"].status == "已被修订"
    assert LIB["c2016"].work == LIB["c2023"].work and LIB["c2016"].label == "2016年版，已被修订"
    assert LIB["relief"].status == "现行有效"


def test_records_win_over_the_fallbacks():
    lib = library({"doc_id": "a", "title": "X条例", "status": "已被修订", "work": "w", "edition": "2001年版", "region": "全国"},
                  {"doc_id": "b", "title": "X条例（2010年修订）", "status": "现行有效", "work": "w", "region": "全国"})
    assert lib["a"].status == "已被修订" and lib["a"].edition == "2001年版" and lib["b"].status == "现行有效"


def test_names_a_question_may_use():
    assert bare_title("中华人民共和国慈善法（2016年修正）") == "中华人民共和国慈善法"
    assert set(document_names("中华人民共和国慈善法", "全国", REGIONS)) == {"中华人民共和国慈善法", "慈善法"}
    assert "上海社会救助条例" in document_names("上海市社会救助条例", "上海市", REGIONS)
    assert document_names("辽宁省“十三五”脱贫攻坚规划", "辽宁省", REGIONS)  # ends in 规划
    # as people say them: without 暂行, the plan period or 攻坚, with 的 after the region
    assert "社会救助办法" in document_names("社会救助暂行办法", "全国", REGIONS)
    assert {"辽宁脱贫规划", "辽宁的脱贫规划", "辽宁省脱贫攻坚规划"} <= set(document_names("辽宁省“十三五”脱贫攻坚规划", "辽宁省", REGIONS))
    assert "河南扶贫条例" in document_names("河南省扶贫开发条例", "河南省", REGIONS)
    assert "上海的社会救助条例" in document_names("上海市社会救助条例", "上海市", REGIONS)


def test_a_question_asking_of_unnamed_documents_too_is_searched_in_all():
    """国家条例和辽宁脱贫规划分别…: the plan is named, but the national regulation asked about is not; the answer may
    come from both, as when nothing is named. A question naming both keeps both named."""
    from qa.scope import asks_other_documents
    lib = library(PLAN, {"doc_id": "reg", "title": "残疾预防和残疾人康复条例", "file": "reg.md"}, CHARITY_2023)
    both = "0到6岁残疾儿童康复，国家条例和辽宁脱贫规划分别是怎么安排的？"
    assert asks_other_documents(both, [lib["plan"]])
    assert scope_for(both, lib, REGIONS).named == ()
    assert scope_for("辽宁脱贫规划里残疾儿童康复是怎么安排的？", lib, REGIONS).named == ("plan",)
    named_both = scope_for("残疾预防和残疾人康复条例和辽宁脱贫规划分别是怎么安排的？", lib, REGIONS).named
    assert set(named_both) == {"plan", "reg"}


def test_the_current_edition_answers_by_default():
    scope = scope_for("慈善组织登记满几年可以申请公开募捐资格", LIB, REGIONS)
    assert "c2016" not in scope.allowed and "c2023" in scope.allowed and not scope.older


def test_an_older_edition_only_when_asked_for():
    for question in ("2016年版慈善法规定登记满几年可以公开募捐", "修订前的慈善法怎么规定公开募捐",
                     "2020年的时候慈善法对公开募捐资格怎么规定", "原来的慈善法要登记满几年"):
        scope = scope_for(question, LIB, REGIONS)
        assert "c2016" in scope.allowed and "c2023" not in scope.allowed, question
        assert scope.older == {"c2016": "2016年版，已被修订"}
        assert edition_note("c2016", scope, LIB) == "依据《中华人民共和国慈善法》（2016年版，已被修订）："
    # a year after the revision, or a year about something else, keeps the current edition
    for question in ("2024年慈善法对公开募捐怎么规定", "2018年要减贫多少人"):
        assert "c2023" in scope_for(question, LIB, REGIONS).allowed, question


def test_a_named_region_leaves_other_provinces_out_and_keeps_national_documents():
    scope = scope_for("我在重庆，低保申请要什么材料", LIB, REGIONS)
    assert scope.provinces == ("重庆市",)
    assert {"cq", "relief", "c2023"} <= scope.allowed and not {"zj", "sh", "plan"} & scope.allowed
    assert scope.regional == {"cq"}
    # a city names its province
    assert scope_for("我是杭州的，临时救助怎么申请", LIB, REGIONS).provinces == ("浙江省",)


def test_the_users_region_applies_when_the_question_names_none():
    scope = scope_for("临时救助怎么申请", LIB, REGIONS, region="浙江")
    assert scope.provinces == ("浙江省",) and "sh" not in scope.allowed
    # the question's own region wins over the setting
    assert scope_for("上海的低保边缘家庭是什么", LIB, REGIONS, region="浙江").provinces == ("上海市",)


def test_a_named_document_leads_even_from_another_region():
    scope = scope_for("《上海市社会救助条例》和浙江的有什么不同", LIB, REGIONS)
    assert "sh" in scope.named and "sh" in scope.allowed and "zj" in scope.allowed


def test_filters_by_document_and_kind():
    scope = scope_for("临时救助", LIB, REGIONS, doc_ids=["社会救助暂行办法"])
    assert scope.allowed == {"relief"}
    lib = library({"doc_id": "a", "title": "甲法", "kind": "法律"}, {"doc_id": "b", "title": "乙条例", "kind": "地方性法规"})
    assert scope_for("问题", lib, REGIONS, kinds=["法律"]).allowed == {"a"}


def test_one_document_or_only_national_ones_change_nothing():
    assert scope_for("辽宁的低保户有什么政策", library(PLAN), REGIONS).trivial
    assert scope_for("低保户有什么政策", library(RELIEF, CHARITY_2023), REGIONS).trivial


def test_with_no_region_known_national_rules_come_before_a_provinces():
    scope = scope_for("低保户有什么政策", library(RELIEF, ZJ), REGIONS)
    assert scope.national == {"relief"} and scope.allowed is None
    ranked = apply_scope(hits("zj", "relief"), scope)
    assert [h.clause.doc_id for h in ranked] == ["relief", "zj"]
    assert not scope_for("浙江低保户有什么政策", library(RELIEF, ZJ), REGIONS).national
    # a place it cannot put in a province still says the asker is somewhere: no national preference
    assert not scope_for("俺家在朝阳农村，有什么政策", library(RELIEF, ZJ), REGIONS, places=["朝阳"]).national


@dataclass
class _Clause:
    doc_id: str
    clause_id: str


@dataclass
class _Hit:
    clause: _Clause
    score: float


def hits(*docs: str) -> list[_Hit]:
    return [_Hit(_Clause(d, f"{d}/{n}"), 1.0 - n * 0.05) for n, d in enumerate(docs)]


def test_ranking_leaves_out_and_raises_in_scope():
    scope = scope_for("我在重庆，低保申请要什么材料", LIB, REGIONS)
    ranked = apply_scope(hits("relief", "zj", "cq", "c2023"), scope)
    assert [h.clause.doc_id for h in ranked] == ["cq", "relief", "c2023"]
    named = scope_for("《社会救助暂行办法》里低保怎么申请", LIB, REGIONS)
    ranked = apply_scope(hits("zj", "cq", "sh", "relief"), named)
    assert ranked[0].clause.doc_id == "relief"


def test_a_question_comparing_editions_leads_with_the_current_one():
    scope = scope_for("慈善法修改以后，申请公开募捐资格的登记年限跟原来比有什么变化", LIB, REGIONS)
    assert scope.allowed is None and set(scope.named) == {"c2016", "c2023"} and not scope.older  # both may be cited
    assert scope.leading == {"c2023"}
    ranked = apply_scope(hits("c2016", "relief", "c2023"), scope)
    assert [h.clause.doc_id for h in ranked] == ["c2023", "c2016", "relief"]


def test_several_named_documents_each_lead_with_their_best_hit():
    lib = library(RELIEF, {"doc_id": "city", "title": "城市居民最低生活保障条例"}, ZJ)
    scope = scope_for("《城市居民最低生活保障条例》和《社会救助暂行办法》对骗取低保的处罚一样吗", lib, REGIONS)
    ranked = apply_scope(hits("city", "zj", "city", "relief"), scope)
    assert [h.clause.doc_id for h in ranked][:2] == ["city", "relief"]


def test_a_citys_own_rules_apply_to_that_city_only():
    qd = {"doc_id": "qd", "title": "青岛市残疾人保障条例", "region": "山东省"}
    sd = {"doc_id": "sd", "title": "山东省实施《残疾人保障法》办法", "region": "山东省"}
    law = {"doc_id": "law", "title": "中华人民共和国残疾人保障法"}
    lib = library(qd, sd, law, ZJ)
    assert lib["qd"].locality == "青岛市" and lib["sd"].locality == "" and lib["qd"].region == "山东省"
    qingdao = scope_for("我在青岛，残疾人坐公交免费吗", lib, REGIONS)
    assert qingdao.regional == {"qd", "sd"} and "zj" not in qingdao.allowed
    jinan = scope_for("济南的残疾人就业有什么扶持", lib, REGIONS)
    assert "qd" not in jinan.allowed and jinan.regional == {"sd"}
    shandong = scope_for("山东的残疾人就业有什么扶持", lib, REGIONS, region=None)
    assert "qd" in shandong.allowed and shandong.regional == {"sd"}   # a city's rule, not the province's


def test_a_reordering_of_the_hits_keeps_the_scopes_lead():
    scope = scope_for("我在重庆，低保申请要什么材料", LIB, REGIONS)
    ranked = apply_scope(hits("relief", "cq", "c2023"), scope)
    reordered = [ranked[1], ranked[2], ranked[0]]          # e.g. need-first put a national clause ahead
    assert ranked[0].clause.doc_id == "cq" and reordered[0].clause.doc_id != "cq"
    assert keep_scope_lead(ranked, reordered, scope)[0].clause.doc_id == "cq"
    plain = scope_for("低保申请要什么材料", library(RELIEF, CHARITY_2023), REGIONS)
    assert keep_scope_lead(ranked, reordered, plain) == reordered


def test_a_scope_that_raises_nothing_keeps_the_order_the_hits_came_in():
    """An aspect's best, interleaved second by the full search, may score above the overall best (its score
    holds its aspect's tag bonus): leaving superseded editions out must not put it first."""
    ranked = hits("relief", "zj", "cq")
    ranked[1].score = 2.0   # the interleaved aspect hit
    kept = apply_scope(ranked, Scope(allowed=frozenset({"relief", "zj", "cq"})))
    assert [h.clause.doc_id for h in kept] == ["relief", "zj", "cq"]


def test_another_regions_document_of_a_kind_held_for_one_region_is_not_held():
    """吉林的脱贫攻坚规划 is not 辽宁's plan; 江苏省社会救助条例 is neither 浙江's nor 上海's; 杭州's is 浙江's own."""
    from indexer.normalize import normalize
    from qa.scope import regional_kinds, unheld_regional_documents

    def unheld(question):
        return unheld_regional_documents(normalize(question), regional_kinds(LIB, REGIONS), REGIONS)

    assert unheld("辽宁和吉林的十三五脱贫攻坚规划，减贫目标哪个高？") == ["《吉林脱贫攻坚规划》"]
    assert unheld("江苏省社会救助条例规定的临时救助标准是多少？") == ["《江苏省社会救助条例》"]
    assert unheld("广东低保条例规定低保标准多少") == ["《广东低保条例》"]
    assert unheld("杭州的社会救助条例怎么说低保边缘？") == []
    assert unheld("上海市社会救助条例2024年改了啥") == [] and unheld("重庆低保条例对财产怎么规定") == []
    assert unheld("我是江苏的，按社会救助条例低保怎么申请？") == []
