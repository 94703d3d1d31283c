"""Out-of-scope questions are not answered as if covered (issue 11): general signals, pinned on the seed plan."""
from __future__ import annotations

import pytest

from qa.abstain import answer_types, missing_statement, unmet_answer_type
from qa.types import ANSWERED, NOT_COVERED, PARTIAL


def asked_kinds(question: str) -> list[str]:
    return [name for name, _ in answer_types(question)]


# --- an amount asked with a verb of paying out, deducting or sharing (扣多少, 报销多少, 能分多少) -----------
@pytest.mark.parametrize("question", ["个人所得税专项附加扣除里子女教育每月扣多少？", "生孩子的费用医保能报销多少？",
                                      "合作社的收益每户每年能分多少？", "残疾人的工资收入个人所得税能减征多少？",
                                      "交通事故能赔偿多少钱", "商业医疗保险能报多少"])
def test_an_amount_taken_off_or_shared_out_is_a_money_question(question):
    assert "money" in asked_kinds(question)


@pytest.mark.parametrize("question", ["闯红灯一次扣几分", "医保能报销几次", "一共分几档"])
def test_counts_and_scores_asked_with_those_verbs_are_not_amounts(question):
    assert "money" not in asked_kinds(question)


def test_a_deduction_asked_is_unmet_by_a_clause_without_an_amount():
    question = "子女教育每月能扣多少"
    assert unmet_answer_type(question, "继续实施雨露计划职业教育助学补助政策") == "money"
    assert unmet_answer_type(question, "每个子女每月1000元的标准定额扣除") is None


# --- on the seed plan: questions about other subjects are not answered -------------------------
@pytest.mark.parametrize("question", ["个人所得税专项附加扣除里子女教育每月扣多少？",
                                      "企业年金每个月能领多少钱？", "商业医疗保险能报多少"])
def test_amount_questions_on_other_subjects_are_not_answered(kb, question):
    answer = kb.ask(question).to_json()
    assert answer["outcome"] != ANSWERED and answer["abstained"]


# --- clauses that share only the place named with the question are about where, not what ----------
def test_only_places_found_names_the_places_when_nothing_else_matches():
    from qa.abstain import only_places_found

    assert only_places_found(["沈阳"], ["沈阳"]) == ["沈阳"]
    assert only_places_found(["沈阳", "对口帮扶"], ["沈阳"]) == []
    assert only_places_found(["城市"], ["城市"]) == [], "a word the tagger calls a place is not a named place"
    assert only_places_found([], ["沈阳"]) == []


@pytest.mark.parametrize("question", ["明天沈阳下雨吗", "这周末鞍山有没有雾霾", "阜新今天限号吗"])
def test_everyday_questions_about_a_city_the_plan_names_are_not_covered(kb, question):
    answer = kb.ask(question).to_json()
    assert answer["outcome"] == NOT_COVERED, answer["signals"]


@pytest.mark.parametrize("question", ["沈阳对口帮扶哪几个市", "建昌县由谁来对口帮扶"])
def test_questions_about_what_the_plan_says_of_a_place_are_still_answered(kb, question):
    assert kb.ask(question).outcome == ANSWERED


# --- a subject qualified otherwise in the clauses (城镇职工养老保险 asked, 城乡居民养老保险 cited) ----------
def test_contrary_qualifiers_pairs_an_unknown_qualifier_with_the_clauses_sibling():
    from qa.coverage import contrary_qualifiers

    terms = {"养老保险": 1.0, "城乡居民养老保险": 2.0, "住院押金": 2.0, "稳定脱贫": 2.0}
    weights = {"城镇职工": 1.0, "养老保险": 0.8, "基数": 1.0}
    cited = "统筹推进城乡居民养老保险制度建设"
    assert contrary_qualifiers(weights, ["城镇职工", "基数"], cited, terms, {}, "城镇职工养老保险缴费基数怎么算") \
        == [("城镇职工", "城乡居民养老保险")]
    # the qualifier must stand right before the thing it qualifies
    assert contrary_qualifiers({"有户": 1.0, "脱贫": 0.2}, ["有户"], "实现稳定脱贫", terms, {}, "有户去年刚脱贫") == []
    # the clauses' qualifier is itself asked about: no contradiction
    assert contrary_qualifiers({"先交": 1.0, "押金": 1.0}, ["先交"], "免收住院押金", terms, {},
                               "住院要先交押金吗") == []
    # a qualifier the clauses use is no contradiction
    assert contrary_qualifiers(weights, [], cited + "城镇职工", terms, {}, "城镇职工养老保险缴费基数怎么算") == []


@pytest.mark.parametrize("question", ["城镇职工养老保险缴费基数怎么计算？", "企业职工养老保险怎么转移",
                                      "城镇职工基本医疗保险怎么交"])
def test_a_subject_the_plan_qualifies_otherwise_is_not_covered(kb, question):
    answer = kb.ask(question).to_json()
    assert answer["outcome"] == NOT_COVERED, answer["signals"]
    assert answer["signals"]["coverage_model"]["features"]["contrary"] == 1.0


@pytest.mark.parametrize("question", ["城乡居民养老保险制度“四统一”指哪四个方面?", "城乡居民养老保险怎么交"])
def test_the_plans_own_qualified_subject_is_still_answered(kb, question):
    answer = kb.ask(question).to_json()
    assert answer["outcome"] == ANSWERED and answer["signals"]["coverage_model"]["features"]["contrary"] == 0.0


def test_a_headcount_asked_needs_a_clause_stating_one():
    assert unmet_answer_type("基金会的理事会最少要有几名理事？", "理事会是基金会的决策机构") == "headcount"
    assert unmet_answer_type("有多少位省级领导联系多少个县", "36位省级领导联系36个县") is None
    assert unmet_answer_type("理事会至少要有几名理事", "理事会由五至二十五名理事组成") is None
    assert "headcount" not in asked_kinds("排在第几位")


def test_how_to_do_it_asked_needs_a_clause_saying_where_or_through_whom():
    assert unmet_answer_type("失业登记怎么办理？", "鼓励贫困劳动力稳定就业") == "procedure"
    assert unmet_answer_type("残疾证去哪儿领？", "残疾人享有平等参与社会生活的权利") == "procedure"
    assert unmet_answer_type("残疾证在哪儿办？", "残疾人享有平等参与社会生活的权利") == "procedure"
    assert unmet_answer_type("低保怎么申请？", "申请最低生活保障，由共同生活的家庭成员向户籍所在地的乡镇人民政府提出书面申请") is None
    assert unmet_answer_type("临时救助怎么申请？", "申请临时救助，应当经乡镇人民政府审核后报县级民政部门审批") is None


def test_what_to_do_is_not_how_to_do_it():
    # "咋办" asks for help, not for a procedure: any clause on the subject answers it
    assert "procedure" not in asked_kinds("家里交不上医药费，咋办")
    assert "procedure" not in asked_kinds("房子塌了怎么办？")


def test_how_a_figure_is_worked_out_needs_a_clause_stating_its_basis():
    assert unmet_answer_type("抚恤金按什么公式计算？", "国家建立抚恤优待制度") == "calculation"
    assert unmet_answer_type("家庭收入怎么计算？", "家庭收入按照申请前12个月的平均收入计算") is None
    assert unmet_answer_type("补贴是怎么算的", "补贴按照当地最低生活保障标准的30%发放") is None


def test_a_day_asked_needs_a_clause_naming_a_day():
    assert unmet_answer_type("救助金每个月几号发到卡上？", "救助金按月发放到户") == "day"
    assert unmet_answer_type("表彰大会是哪年哪天开的？", "2020年完成脱贫攻坚任务") == "day"   # a year is not a day
    for day in ("本条例自2019年5月1日起施行", "每年9月5日为“中华慈善日”", "每年农历秋分日为中国农民丰收节",
                "每年5月的第三个星期日为全国助残日", "每月10日前发放", "本办法自公布之日起施行"):
        assert unmet_answer_type("是哪一天？", day) is None, day


def test_grades_asked_need_a_clause_setting_them_out():
    assert unmet_answer_type("应急响应分几级？", "启动自然灾害救助应急响应") == "grading"
    assert unmet_answer_type("肢体残疾按啥标准划分等级？", "残疾标准由国务院规定") == "grading"
    assert missing_statement("grading", ["残疾标准由国务院规定"]) == "文件只规定由国务院确定标准，没有具体的分级或划分标准"
    assert unmet_answer_type("应急响应分几级？", "应急响应分为四级") is None
    assert unmet_answer_type("低保对象分成几类？", "一级为特困对象，二级为一般困难对象") is None
    assert unmet_answer_type("肢体残疾几级算重度？", "残疾人包括肢体残疾") == "grading"
    assert "grading" not in asked_kinds("残疾分哪几类？")   # a list, not a count


def test_an_area_or_a_number_of_years_asked_needs_a_clause_stating_it():
    assert unmet_answer_type("人均住房面积不能超过多少平方米？", "严格控制住房建设标准") == "area"
    assert unmet_answer_type("人均住房面积不能超过多少平方米？", "人均住房面积不超过25平方米") is None
    assert unmet_answer_type("承包期到期后再延长多少年？", "保持土地承包关系稳定并长久不变") == "years"
    assert unmet_answer_type("登记满几年才能申请？", "依法登记满二年的慈善组织") is None
    assert unmet_answer_type("禁止多少年内担任管理人员？", "禁止其一年至五年内担任") is None
    assert unmet_answer_type("再延长多少年？", "到2020年实现脱贫") == "years"   # a calendar year is no length
    # how many fields or years the asker has is not what is asked
    assert not answer_types("俺家那几亩地能入股分钱不")
    assert not answer_types("在外头打了几年工回村，想创业")


def test_which_ones_by_name_needs_a_clause_naming_them():
    assert unmet_answer_type("募捐平台具体有哪几家？", "在国务院民政部门统一或者指定的慈善信息平台发布募捐信息") == "names"
    assert unmet_answer_type("具体是哪几家单位负责？", "由民政部门、财政部门、教育部门按照各自职责负责") is None
    # a list of activities (义演、义赛) names no one
    assert unmet_answer_type("募捐平台一共有几家？", "可以采取下列方式：举办义演、义赛、义卖、义展、义拍") == "names"
    assert "names" not in asked_kinds("还把哪些家庭列为救助对象？")
    # a list of services (信息展示、捐赠支付) is not a list of bodies; a list of banks or a quoted name is
    assert unmet_answer_type("指定的平台有哪几家？", "平台提供公开募捐信息展示、捐赠支付、捐赠财产使用情况查询等服务") == "names"
    assert unmet_answer_type("有哪几家银行？", "由中国农业银行、中国邮政储蓄银行代发") is None
    assert unmet_answer_type("那个平台叫啥名？", "统一使用“慈善中国”信息平台") is None


@pytest.mark.parametrize("question", ["个人所得税能按多大比例扣除？", "按收入的多高比例交？"])
def test_a_ratio_asked_as_how_large_is_a_percentage_question(question):
    assert "percent" in asked_kinds(question)
    assert unmet_answer_type(question, "捐赠支出准予结转以后三年内扣除") == "percent"
    assert unmet_answer_type(question, "在年度利润总额百分之十二以内的部分，准予扣除") is None


@pytest.mark.parametrize("question", ["低保家庭存款上限是多少？", "家里人均存款超过多少就不能吃低保了？",
                                      "大病保险起付线是多少？", "公租房租金每平方米每月收多少？"])
def test_a_limit_on_money_held_or_a_charge_is_an_amount_question(question):
    assert "money" in asked_kinds(question)


@pytest.mark.parametrize("question", ["收多少人？", "存款超过多少个月", "收入上限是几年前定的？", "想贷点钱养几头牛，有没有专门的贷款？"])
def test_counts_asked_near_those_words_are_not_amounts(question):
    assert "money" not in asked_kinds(question)


def test_an_award_no_document_names_is_an_unknown_name():
    from qa.abstain import unknown_awards
    known = {"慈善", "脱贫攻坚", "表彰", "奖励"}.__contains__
    assert unknown_awards("中华慈善奖多长时间评一次？", ["中华", "慈善", "奖", "多长"], known) == ["慈善奖"]
    assert unknown_awards("全国脱贫攻坚奖设几个奖项？", ["全国", "脱贫", "攻坚", "脱贫攻坚", "奖", "几个", "奖项"], known) \
        == ["脱贫攻坚奖"]
    # 奖励 and 奖金 are not awards; a count (几个奖) names none; a word no document uses may be a typo
    assert unknown_awards("表彰奖励怎么发？", ["表彰", "奖励"], known) == []
    assert unknown_awards("慈善奖金怎么分？", ["慈善", "奖金"], known) == []
    assert unknown_awards("一共设了几个奖？", ["一共", "几个", "奖"], known) == []
    assert unknown_awards("脱频攻坚奖", ["脱频", "攻坚", "奖"], known) == []
    assert unknown_awards("慈善奖怎么评", ["慈善", "奖"], {"慈善", "慈善奖"}.__contains__) == []
    # the tagger gluing 奖 to the next word (奖设) does not hide the award
    assert unknown_awards("全国脱贫攻坚奖设了哪几个奖项？", ["全国", "脱贫攻坚", "奖设", "奖项"], known) == ["脱贫攻坚奖"]


def test_a_calendar_year_asked_needs_a_sentence_naming_a_year():
    assert unmet_answer_type("贫困县最后是在哪一年全部脱贫摘帽的？", "建立健全贫困县退出机制，明确退出标准和程序") == "year"
    assert unmet_answer_type("要比哪一年翻一番？", "农民人均可支配收入比2010年翻一番") is None
    assert "year" not in asked_kinds("哪一年级的学生能领补助？")


def test_a_window_named_is_not_a_window_asked_for():
    kinds = asked_kinds("受理窗口周六上不上班？早上几点开门？")
    assert kinds == ["hours"]
    assert unmet_answer_type("受理窗口周六上不上班？早上几点开门？", "街道办事处应当建立统一受理社会救助申请的窗口") == "hours"
    assert "window" in asked_kinds("到乡里哪个窗口办？")


def test_what_was_achieved_in_all_is_an_actual_result_asked():
    assert unmet_answer_type("到2020年底实际累计脱贫了多少人？", "确保到2020年农村贫困人口实现脱贫") == "actual"


def test_an_amount_asked_with_its_basis_is_still_an_amount_question():
    # "按什么标准算多少钱": the figure is what is asked; a ratio without an amount does not answer it
    assert unmet_answer_type("房租按什么标准算，一个月多少钱？", "租金按市场租金的一定比例确定") == "money"


@pytest.mark.parametrize("question", ["电动车上牌照怎么办理？", "养老金领取资格认证去哪里办？"])
def test_procedures_of_other_subjects_are_not_answered_as_covered(kb, question):
    assert kb.ask(question).outcome != "answered"


def test_everyday_words_and_the_taggers_cuts_are_not_unknown_subjects(kb):
    # 俺娘, 眼睛 are how people speak; 能领 is 能 + 领 glued together by the tagger
    assert kb.analyze("俺娘眼睛看不清了，能领啥补贴").unknown_terms == []
    # a thing no document names still is
    assert "驾驶证" in kb.analyze("俺娘想考个驾驶证，能补贴不").unknown_terms


@pytest.mark.parametrize("question", ["一个月能拿多少生活补助？", "在成都吃低保一个月能领好多钱嘛", "孤儿一年有多少养育金？",
                                      "赡养费按收入的多少比例给？", "烈士家属的抚恤金每年是多少？", "丧葬费给多少", "每人每月到底是多少钞票？"])
def test_amounts_asked_in_other_words_are_amount_questions(question):
    assert {name for name, _ in answer_types(question)} & {"money", "percent"}


def test_a_year_naming_a_document_is_not_a_scope_of_the_figure():
    from qa.abstain import _EDITION
    assert "1999" not in _EDITION.sub("", "按1999年的城市居民最低生活保障条例，审批要多少日内办结？")
    assert "2017" in _EDITION.sub("", "朝阳县2017年底还有多少贫困人口？")


def test_a_clause_merely_simplifying_procedures_does_not_say_how_to_apply():
    assert unmet_answer_type("低保怎么申请？", "简化程序,提高救助效率") == "procedure"
    assert unmet_answer_type("低保怎么申请？", "规范低保申请审批程序") is None


def rules_kb(tmp_path, text: str):
    """A knowledge base of one small document the test writes."""
    from qa.engine import open_knowledge_base

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rules.txt").write_text(text, encoding="utf-8")
    return open_knowledge_base(tmp_path / "index", corpus)


def test_asked_how_to_apply_the_clause_saying_where_leads(tmp_path):
    """A clause that only names the subject ranks first; the one saying where to apply is further down: it leads."""
    kb = rules_kb(tmp_path,
                  "困难家庭救助办法\n"
                  "第一条 为了完善困难家庭救助制度，加强困难家庭救助工作，保障困难家庭救助对象的基本生活，制定本办法。\n"
                  "第二条 困难家庭救助坚持应保尽保，困难家庭救助标准动态调整。\n"
                  "第三条 申请困难家庭救助，由申请人向户籍所在地的乡镇人民政府提出书面申请。\n")
    answer = kb.ask("困难家庭救助怎么申请？")
    assert answer.outcome == ANSWERED
    assert "向户籍所在地的乡镇人民政府提出" in answer.citations[0].clause.text


@pytest.mark.parametrize("question", ["易地搬迁最后实际搬了多少户？", "农村公路到2020年底实际建成了多少公里？",
                                      "十三五的减贫目标最后完成了吗？"])
def test_an_actual_result_asked_is_not_answered_by_a_target(question):
    assert "actual" in asked_kinds(question)
    assert unmet_answer_type(question, "到2020年，完成易地扶贫搬迁5万人，新建改建农村公路1万公里") == "actual"


def test_a_clause_reporting_a_result_answers_what_was_achieved():
    assert unmet_answer_type("十二五期间实际减少了多少贫困人口？", "十二五期间，全省累计减少农村贫困人口200万人") is None
    # asking for a target is not asking for a result
    assert "actual" not in asked_kinds("十三五的减贫目标是多少？")


def test_a_named_scheme_no_document_knows_is_an_unknown_name():
    from qa.abstain import unknown_names
    known = {"看病", "付钱", "雨露计划", "雨露"}.__contains__
    assert unknown_names("听说有个“安心计划”专门给娃交学费", ["安心"], [], known) == ["安心"]
    assert unknown_names("用'易办通'能申请低保吗", [], ["易办", "办通", "申请", "低保"], known) == ["易办通"]
    # a scheme the documents have, and a hearsay phrase whose words they use, are not
    assert unknown_names("雨露计划怎么报名", [], ["雨露", "计划", "报名"], known) == []
    assert unknown_names("听说“先看病后付钱”是真的吗", [], ["看病", "付钱"], known) == []


@pytest.mark.parametrize("question", ["听说有个“安心计划”专门给农村娃交学费，咋报名？", "残疾人考机动车驾驶证有补贴吗？"])
def test_questions_about_a_named_thing_no_document_knows_are_not_covered(kb, question):
    assert kb.ask(question).outcome == NOT_COVERED


def test_the_askers_city_written_after_their_province_is_theirs_too():
    from qa.abstain import asker_places
    assert asker_places("我是浙江温州的，家里收入比低保线高一点，算不算低保边缘户？", ["浙江", "温州"]) == ["浙江", "温州"]
    assert asker_places("温州的低保标准是多少？", ["温州"]) == []


def test_a_thing_asked_whether_it_is_of_a_kind_is_what_is_asked_about():
    """水滴筹算不算…平台: a thing no document names, asked whether it is of a kind they do name, is not covered by
    the clause about the kind; a known thing asked the same way is not flagged."""
    from qa.abstain import unknown_names

    assert unknown_names("水滴筹、轻松筹算不算民政部指定的平台？", ["水滴"]) == ["水滴"]
    assert unknown_names("某某宝是不是正规的募捐平台？", ["某某宝"]) == ["某某宝"]
    assert unknown_names("我家娃在部队当兵，还没结婚，算不算家庭人口？", ["娃"]) == []


def test_an_amount_must_be_stated_where_the_clause_speaks_of_what_is_asked():
    """低保标准是多少: an article fixing who sets the standard, whose next sentence gives an amount for something
    else (临时救助), does not state the amount asked; a lead-in ending in '：' is read with its items."""
    from indexer.clause import Clause
    from qa.abstain import stating_sentences
    from qa.coverage import found_share
    from qa.types import Hit

    text = "最低生活保障标准由市人民政府确定并公布。临时救助每人每次一般不超过三千元。"
    hit = Hit(Clause("x/art9", "x", "某市社会救助条例", ["第二章 救助"], "article", text, 0, len(text)), 1.0)
    about = lambda t: found_share({"低保标准": 1.0, "每月": 0.3}, t, {"低保标准": ["最低生活保障标准"]})
    question = "低保标准每月是多少钱？"
    assert unmet_answer_type(question, text) is None                  # the clause as a whole holds an amount
    stated = stating_sentences([hit], about)
    assert len(stated) == 1 and "确定并公布" in stated[0]
    assert unmet_answer_type(question, " ".join(stated)) == "money"   # not where it speaks of the standard

    listed = "临时救助的标准如下：（一）一般情形，不超过三千元；"
    hit2 = Hit(Clause("x/art10", "x", "某市社会救助条例", [], "article", listed, 0, len(listed)), 1.0)
    stated = stating_sentences([hit2], lambda t: found_share({"临时救助": 1.0}, t, {}))
    assert any("一般情形" in x and "标准如下" in x for x in stated)


def test_which_places_by_number_needs_a_clause_listing_them():
    """具体是哪15个 is not answered by the sentence counting them (15个省扶贫开发工作重点县); a list of short names
    (朝阳、建平、喀左…) answers 哪10个县; 哪五个方面 asks for no places."""
    assert unmet_answer_type("规划里说的15个重点县，具体是哪15个？",
                             "规划范围包括12个市、15个省扶贫开发工作重点县(以下简称重点县)、有扶贫任务的非重点县(市、区)") == "places"
    assert unmet_answer_type("辽西北具体是哪10个县（市）？", "辽西北10县(市)包括朝阳、建平、喀左、北票、凌源、建昌、义县、阜新、彰武、西丰") is None
    assert "places" not in asked_kinds("五保具体是保哪五个方面？")



@pytest.mark.parametrize("question", ["规划里搞差别化扶持的辽西北那几个地方分别是哪些县？", "差别化扶持覆盖辽西北哪些县？"])
def test_a_list_of_places_is_read_in_the_clause_whose_sentence_before_names_them(kb, question):
    """对辽西北10县(市)差别化扶持。辽西北10县(市)包括朝阳、建平…: the list's sentence does not repeat 差别化扶持, the
    one before it does; the list answers (places is a carried kind, like a deadline)."""
    answer = kb.ask(question)
    assert answer.outcome == ANSWERED, answer.signals
    assert "朝阳、建平" in answer.citations[0].clause.text


def test_which_places_without_a_number_needs_a_list_of_names_too():
    """哪些县 asks for names, like 哪10个县: a list of duties (目标确定、资金投入、组织动员) or of kinds of target
    (贫困户、贫困村和贫困县) names none; a list ending inside a sentence with its 市 does (阜新、朝阳、铁岭市的基础上)."""
    assert "places" in asked_kinds("吉林省哪些县是重点县？") and "places" in asked_kinds("帮扶的是哪几个市？")
    assert "places" not in asked_kinds("哪些县级部门负责审核？")
    duties = "省人民政府负责扶贫开发的政策制定、目标确定、资金投入、组织动员、监督考核。扶贫对象是指贫困户、贫困村和贫困县。"
    assert unmet_answer_type("吉林省哪些县是重点县？", duties) == "places"
    assert unmet_answer_type("帮扶的是哪几个市？", "在沈阳、大连、鞍山市继续对口帮扶阜新、朝阳、铁岭市的基础上") is None


@pytest.mark.parametrize("question, kind", [("收入监测线今年定的是多少？", "money"), ("五保供养证书丢了，怎么补办？", "replacement"),
                                            ("残疾证弄丢了去哪儿办？", "replacement")])
def test_a_threshold_line_and_a_replacement_are_kinds_of_fact_asked(question, kind):
    assert kind in asked_kinds(question)


def test_a_replacement_is_not_answered_by_how_to_apply_the_first_time():
    question = "供养证书丢了，怎么补办？"
    assert unmet_answer_type(question, "申请五保供养，由村民向乡镇人民政府提出申请。") == "replacement"
    assert unmet_answer_type(question, "供养证书遗失的，向乡镇人民政府申请补发。") is None


def test_a_thing_of_a_field_of_law_the_collection_does_not_hold_is_named():
    """劳动合同, 个人所得税, 遗嘱: things of other fields of law (indexer/vocab/fields.tsv); named only when no indexed
    document uses the word, so a collection that holds the 劳动合同法 answers them."""
    from qa.abstain import load_fields, unheld_fields
    fields = {"劳动合同": "劳动合同法", "双倍工资": "劳动合同法", "个税": "个人所得税法", "个人所得税": "个人所得税法"}
    nothing = lambda word: False
    assert unheld_fields("厂里不给签劳动合同，能要双倍工资吗？", nothing, fields) == ["劳动合同", "双倍工资"]
    assert unheld_fields("个人所得税怎么交", nothing, fields) == ["个人所得税"]   # not 个税 again inside it
    assert unheld_fields("厂里不给签劳动合同怎么办", {"劳动合同"}.__contains__, fields) == []
    assert unheld_fields("低保怎么申请", nothing, fields) == []
    shipped = load_fields()
    assert shipped["劳动合同"] == "劳动合同法" and "离婚" not in shipped and "退休" not in shipped


def test_a_thing_and_what_is_done_with_it_is_a_term_of_a_field_in_any_words_between():
    """宅基地…卖: 宅基地 then 卖 in the same phrase, whatever is between (能不能, 上的房子); not across a sentence, and
    not when a text of the collection says so too (宅基地使用权可以依法转让 holds 宅基地…转让)."""
    import re

    from qa.abstain import load_fields, unheld_fields
    fields = {"宅基地…卖": "土地管理法", "宅基地…转让": "土地管理法"}
    nothing = lambda word: False
    says = lambda text: (lambda pattern: bool(pattern.search(text)))
    assert unheld_fields("农村宅基地能不能卖给城里人？", nothing, fields, says("")) == ["宅基地能不能卖"]
    assert unheld_fields("宅基地上的老房子卖了行不行", nothing, fields, says("")) == ["宅基地上的老房子卖"]
    assert unheld_fields("宅基地在哪儿？我想卖粮食", nothing, fields, says("")) == []
    assert unheld_fields("宅基地能转让吗", nothing, fields, says("宅基地使用权可以依法转让。")) == []
    shipped = load_fields()
    assert "公积金…取" in shipped and all(re.search(r"[.]{3}", t) is None for t in shipped)


@pytest.mark.parametrize("question", ["厂里一直不跟俺签劳动合同，能要双倍工资不？", "贫困户老人去世了，房子能由孙子继承吗？",
                                      "个人所得税每年几月份汇算？", "低保户能用住房公积金贷款买房吗？",
                                      "在外地住院，异地就医怎么报销？", "俺家闺女考公务员，低保户能照顾吗？",
                                      "以前交的住房公积金能不能取出来用？", "低保户买拖拉机能免车辆购置税吗？"])
def test_questions_of_a_field_of_law_the_plan_does_not_hold_are_not_covered(kb, question):
    assert kb.ask(question).outcome == NOT_COVERED


# --- a figure is asked of a thing, and must be stated of that thing (存款超过多少, 过渡期是几年) -------------
@pytest.mark.parametrize("question, measured", [
    ("家里银行存款有多少就不能评困难户了？", ["银行存款", "存款"]), ("搬迁安置的过渡期一共几年？", ["过渡期"]),
    ("每个村要建多少个卫生室？", ["卫生室"]), ("丧葬补助金一个人大概是多少？", ["补助金"]),
    ("自来水普及率目标是多少？", ["自来水普及率", "普及率"]), ("申请低保，家里存款不能超过多少钱？", ["存款"]),
    ("给灾民发的过冬补贴，每人具体是多少钱？", ["补贴"]),
    ("危房改造一户能拿到多少补助款？", ["补助款"]),   # tagged a verb, a sum by its ending
    ("建一个电商服务站能拿到多少补助？", ["补助"]),   # a verb right after 多少 is the thing counted
    # across what is done, a sum or a rate asked of (能给报, 上调了)
    ("老人去世了，丧葬费能给报多少？", ["丧葬费"]), ("退休人员基本养老金上调了多少？", ["养老金", "老金"]),
    # an action between: the figure is of the fine or the deadline, not of who pays or acts
    ("出假证明的单位负责人要罚多少钱？", []), ("乡镇政府几天内出审核意见？", []), ("按救助条例最晚多少天批下来？", []),
    # a word saying only the kind of figure (底数) is not the thing; nor is what is done across a comma
    ("编规划时，全省建档立卡的农村贫困人口底数有多少？", []),
    # several, not how many; a month, not a figure
    ("社区给他介绍了好几回工作他都不去", []), ("做了几百个小时的志愿服务", []), ("每年几月底前要报送灾情？", []),
])
def test_the_thing_a_figure_is_asked_of(kb, question, measured):
    assert kb.analyze(question).measured == measured


def test_a_figure_of_another_thing_does_not_answer_the_figure_asked(tmp_path):
    """存款 is named, and a multiple of the standard is stated, but never of the 存款: not answered; the 临时救助金's
    figure is stated of it: answered."""
    kb = rules_kb(tmp_path,
                  "困难群众救助办法\n"
                  "第一条 为了保障困难群众基本生活，制定本办法。\n"
                  "第二条 困难群众的认定，以家庭成员人均月收入低于当地最低生活保障标准一点五倍为条件。\n"
                  "第三条 临时救助金按每人每次不超过3000元发放。困难群众的存款、房产等家庭财产状况应当如实申报。\n")
    asked = kb.ask("困难群众家里的存款超过多少就不能认定了？")
    assert asked.outcome != ANSWERED and asked.signals["unmet_answer_type"] == "money", asked.signals
    assert kb.ask("临时救助金每人每次最多发多少钱？").outcome == ANSWERED


def test_a_figure_is_stated_of_the_thing_in_its_whole_wording_and_not_by_a_documents_number(tmp_path):
    """专项扶贫资金 is not named by the 财政 or 管理 of an alias's pieces, and the 64 of 国发〔2016〕64号 states no sum:
    not answered; the sum stated: answered."""
    preface = "第一条 本办法根据《国务院关于印发脱贫攻坚规划的通知》(国发〔2016〕64号)制定，加强财政扶贫资金管理。\n"
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    unstated = rules_kb(tmp_path / "a", "扶贫资金管理办法\n" + preface +
                        "第二条 县级财政每年从本级预算中安排专项扶贫资金，用于贫困村基础设施建设。\n")
    asked = unstated.ask("县级财政每年安排多少专项扶贫资金？")
    assert asked.outcome != ANSWERED and asked.signals["unmet_answer_type"] == "money", asked.signals
    stated = rules_kb(tmp_path / "b", "扶贫资金管理办法\n" + preface +
                      "第二条 县级财政每年从本级预算中安排专项扶贫资金3000万元，用于贫困村基础设施建设。\n")
    assert stated.ask("县级财政每年安排多少专项扶贫资金？").outcome == ANSWERED


def test_what_is_paid_back_is_no_cost_the_asker_pays():
    """学费补偿能给多少 asks a sum paid out: 免学费 does not answer it; 学费一年要交多少 is answered by it."""
    assert "cost" not in asked_kinds("大学生应征入伍，学费补偿能给多少？")
    assert unmet_answer_type("大学生应征入伍，学费补偿能给多少？", "落实中等职业学校免学费政策。") == "money"
    assert unmet_answer_type("上技校学费一年要交多少？", "落实中等职业学校免学费政策。") is None


def test_two_characters_the_dictionary_lacks_are_no_county(kb):
    """包县 (省领导包县: a leader takes charge of a county) is the tagger's guess; 沛县 is a county."""
    assert kb.analyze("辽宁让省领导包县抓扶贫，一共有多少位省级领导？").places == ["辽宁"]
    assert "沛县" in kb.analyze("江苏沛县的低保标准是多少？").places


def test_a_question_asking_two_things_is_not_answered_by_a_text_stating_one():
    """要带哪些材料 and 去哪儿办 are both asked: papers listed, nowhere to go, is partial; 得花多少钱 asks what is paid,
    and "free" answers it without an amount."""
    question = "开证明要带哪些材料，去哪儿办？"
    assert set(asked_kinds(question)) >= {"papers", "procedure"}
    assert unmet_answer_type(question, "开具证明应当提交身份证、户口簿等材料。") == "procedure"
    assert unmet_answer_type(question, "持身份证、户口簿等材料向乡镇人民政府提出申请。") is None
    assert unmet_answer_type("上技校得花多少钱？", "对贫困家庭学生免学费。") is None


def test_a_piece_after_a_semicolon_is_read_with_the_piece_opening_its_sentence():
    """具有公开募捐资格的基金会…不得低于…；年度管理费用不得超过…百分之十: the cap is the foundation's; a new sentence
    starts afresh; an item after a lead-in is read with the lead-in."""
    from qa.abstain import read_sentences

    text = "具有公开募捐资格的基金会的年度支出，不得低于上一年总收入的百分之七十；年度管理费用不得超过当年总支出的百分之十。另行规定。"
    sentences = read_sentences(text)
    assert sentences[1].startswith("具有公开募捐资格的基金会") and sentences[1].endswith("百分之十。")
    assert sentences[2] == "另行规定。"
    assert read_sentences("对下列人员给予救助：\n（一）老年人；\n（二）残疾人。")[2] == "对下列人员给予救助：（二）残疾人。"
    assert unmet_answer_type("基金会年度管理费用上限是多少？", "年度管理费用不得超过当年总支出的百分之十") is None


def test_a_documents_number_is_no_phone_number():
    """国发〔2016〕64号 normalises to 201664号: digits, but no phone number; a number after 电话/拨打 or with an area
    code is one."""
    question = "扶贫办的咨询电话是多少？"
    assert unmet_answer_type(question, "根据《国务院关于印发十三五脱贫攻坚规划的通知》(国发〔201664号)编制") == "phone"
    assert unmet_answer_type(question, "咨询电话：024-12345678") is None
    assert unmet_answer_type(question, "可以拨打12345政务服务热线咨询") is None


# --- a figure the question states as a rule's threshold or term must be confirmed or corrected ---------------
@pytest.mark.parametrize("question, units", [
    ("第二轮土地承包到期后，是不是再延长三十年？", {"年"}), ("是不是要不低于当地低保标准的1.3倍？", {"倍"}),
    ("合规的医疗费用能报销到百分之九十吗？", {"%"}), ("65岁以上的老人坐公交是不是免费？", {"岁"}),
    ("安置房是不是不能超过25平方米？", {"平方米"}),
    ("脱贫后那五年过渡期里，哪些政策不变？", {"年"}),   # a length given to a period
    # the asker's own situation, a calendar year, a span of years asked about: no rule's figure
    ("孩子三岁查出孤独症，国家管不管？", set()), ("我妈71岁，医保个人缴费能补吗？", set()),
    ("2011到2015年这五年减少了多少贫困人口？", set()), ("俺65岁了，坐公交车能免费不？", set()),
    ("这五年期间减少了多少？", set()), ("过渡期是几年？", set()),
])
def test_the_figures_a_question_states_as_a_threshold(question, units):
    from qa.abstain import asserted_units
    assert asserted_units(question) == units


def test_a_stated_threshold_is_answered_only_by_a_clause_stating_a_figure_of_its_unit(tmp_path):
    """延长三十年吗 is not answered by 依法延长 (no length stated); 15% is answered by 不得超过百分之十 (a figure of
    the same unit, which says no)."""
    kb = rules_kb(tmp_path,
                  "土地承包和慈善管理办法\n"
                  "第一条 为了稳定土地承包关系，规范慈善组织管理，制定本办法。\n"
                  "第二条 土地承包期届满后，由农户依法申请延长承包期。\n"
                  "第三条 慈善组织的年度管理费用不得超过当年总支出的百分之十。\n")
    asked = kb.ask("土地承包期届满后，是不是再延长三十年？")
    assert asked.outcome == PARTIAL and asked.signals["unmet_answer_type"] == "asserted", asked.signals
    assert "问题中所说的这个数字" in asked.missing
    assert kb.ask("慈善组织的年度管理费用能不能占到当年总支出的15%？").outcome == ANSWERED


def test_how_long_one_may_stay_or_draw_needs_a_stated_length():
    """救助站最多能住几天 is not answered by 提供临时食宿; 每年几月份领 asks a month, not a length."""
    assert "stay" in asked_kinds("流浪人员在救助站最多能住几天？")
    assert "stay" in asked_kinds("失业保险金最多能领几个月？")
    assert "stay" not in asked_kinds("补贴每年几月份领？")
    assert unmet_answer_type("流浪人员在救助站最多能住几天？", "国家对流浪、乞讨人员提供临时食宿、急病救治。") == "stay"
    assert unmet_answer_type("流浪人员在救助站最多能住几天？", "受助人员在站内接受救助一般不超过10天。") is None


def test_when_a_body_was_set_up_or_a_law_took_effect_needs_a_year():
    """什么时候组建的 is answered by a year, not by what the body does; 从什么时候开始算钱 asks no year."""
    assert "year" in asked_kinds("国家乡村振兴局是什么时候组建的？")
    assert "year" not in asked_kinds("救助金批下来以后，从什么时候开始算钱？")
    assert unmet_answer_type("乡村振兴局是什么时候组建的？", "乡村振兴主管部门负责乡村振兴促进工作的统筹协调。") == "year"
    assert unmet_answer_type("这个条例什么时候施行？", "本条例自2006年3月1日起施行。") is None


@pytest.mark.parametrize("question, applied", [
    ("残疾证去哪儿办，要带什么材料？", ["残疾证"]), ("去哪儿申请低保？", ["低保"]),
    # a place, or a thing of another phrase, is not what is applied for
    ("在上海想申请低保，要跑到哪里去办？", []), ("房子让洪水冲塌了，想要重建补助，得怎么申请？", []),
])
def test_what_a_question_asks_how_to_apply_for(kb, question, applied):
    assert kb.analyze(question).applied == applied


def test_how_to_apply_for_a_thing_is_answered_only_of_that_thing(tmp_path):
    """The township takes applications for 五保: that does not say where a 残疾证 is applied for."""
    kb = rules_kb(tmp_path,
                  "农村五保和残疾人帮扶办法\n"
                  "第一条 为了做好农村五保供养和残疾人帮扶工作，制定本办法。\n"
                  "第二条 申请五保供养，应当由村民本人持身份证、户口簿等材料向乡镇人民政府提出申请，乡镇人民政府审核。\n"
                  "第三条 县级人民政府对残疾人给予康复和就业帮扶，残疾证由残疾人联合会统一核发。\n")
    asked = kb.ask("残疾证去哪儿办，要带什么材料？")
    assert asked.outcome == PARTIAL and asked.signals["unmet_answer_type"] in ("procedure", "papers"), asked.signals
    assert kb.ask("五保供养去哪儿申请，要带什么材料？").outcome == ANSWERED


def test_how_often_or_how_long_before_again_needs_a_stated_interval(tmp_path):
    """隔多久才能再申请 is not answered by a 三十日内 deadline for deciding; 多久发一次 is answered by 每月发放一次 in
    any of the best clauses, though the clause speaks of 以货币形式给予社会救助, not of 救助金."""
    assert "interval" in asked_kinds("低保申请被拒了，隔多久才能重新申请？")
    assert "interval" in asked_kinds("村委会多久换届一次？")
    assert unmet_answer_type("低保申请被拒了，隔多久才能重新申请？", "审批手续应当自受理申请之日起三十日内办结。") == "interval"
    assert unmet_answer_type("登记以后要过多久才能申请公开募捐资格？", "依法登记满二年的慈善组织，可以申请公开募捐资格。") is None
    opening = ("社会救助条例\n第一条 为了规范社会救助，保障困难群众基本生活，制定本条例。\n"
               "第二条 最低生活保障申请应当自受理之日起三十日内审批，不予批准的，应当书面说明理由。\n")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    paid = rules_kb(tmp_path / "a", opening + "第三条 以货币形式给予社会救助的，应当通过银行发放。定期发放的，从批准的次月起计发，"
                                              "每月发放一次。\n")
    assert paid.ask("救助金批下来以后多久发一次？").outcome == ANSWERED
    assert rules_kb(tmp_path / "b", opening).ask("最低生活保障申请没批，隔多久才能再申请？").outcome == PARTIAL


def test_a_five_year_plan_period_is_named_by_its_years():
    """十二五 is 2011–2015: a text giving 2011年至2015年's figures speaks of it, and a collection whose texts name
    2015 knows it; a law of 2021 says nothing of 十四五, whose last year is 2025."""
    from qa.abstain import names_time, periods_of
    assert names_time("2011年至2015年,全省农村贫困人口减少76万多人", "十二五")
    assert not names_time("确保到2020年全省农村贫困人口实现脱贫", "十二五") and names_time("到2020年", "十三五")
    assert periods_of({"2015", "2020", "2021", "2023"}) == {"十二五", "十三五"}


@pytest.mark.parametrize("question", ["“十二五”那几年下来，辽宁农村的贫困发生率降到了多少？",
                                      "改善贫困村条件，新修农村公路的总里程计划是多少？"])
def test_a_period_the_plan_reports_and_a_planned_total_are_answered(kb, question):
    """The plan's 2011年至2015年 answers 十二五; 总里程计划 asks the planned figure of 农村公路 (1.9万公里), not of
    a programme called 里程计划."""
    assert kb.ask(question).outcome == ANSWERED


def test_a_sum_named_by_its_amount_is_stated_by_what_it_is_of(tmp_path):
    """投资额在多少以下 is answered by 总投资二百万元以下; 一回最长能领几个月 by the lead article's 每次救助时间一般不超过三个月."""
    kb = rules_kb(tmp_path,
                  "扶贫和临时救助办法\n"
                  "第一条 为了规范扶贫项目和临时救助，制定本办法。\n"
                  "第二条 对利用扶贫资金在贫困村实施的总投资二百万元以下的基础设施项目，可以不进行招标。\n"
                  "第三条 临时救助的标准按照保障基本生活的原则确定，每次救助时间一般不超过三个月。\n")
    assert kb.ask("贫困村的基础设施，投资额在多少以下可以不招标？").outcome == ANSWERED
    assert kb.ask("申请临时救助，一回最长能领几个月？").outcome == ANSWERED


def test_a_rate_asked_by_its_name_needs_a_share(kb):
    """错退率不能超过多少 and 贫困发生率降到了多少 ask a share; an indicator table's row gives its unit once
    (义务教育巩固率(%): 2015年 97)."""
    assert "percent" in asked_kinds("贫困县退出评估时，错退率和漏评率不能超过多少？")
    assert "percent" not in asked_kinds("扶贫资金的使用效率高不高？")
    assert unmet_answer_type("巩固率2015年是多少？", "重点县义务教育巩固率(%: 2015年 97; 2020年 97.1") is None
    assert unmet_answer_type("错退率不能超过多少？", "建立健全第三方评估机制。") == "percent"
    assert kb.ask("俺们村里吃水老费劲了，规划说到2020年贫困地区自来水普及率要搞到多少啊？").outcome == ANSWERED


def test_which_place_within_a_named_place_needs_a_clause_naming_it(kb):
    """贵州哪个市州: the plan's 大连 pairing names no place of 贵州."""
    asked = kb.ask("东西部扶贫协作里，大连市对口帮扶的是贵州哪个市州？")
    assert asked.outcome != ANSWERED and asked.signals["unmet_answer_type"] == "scoped", asked.signals


def test_this_years_figure_needs_a_clause_naming_this_year(kb):
    """今年 is this calendar year: the plan's 2020 targets and a regulation's rules do not state this year's figure."""
    from datetime import date

    from qa.abstain import scope_years
    assert scope_years("上海今年的低保标准是多少？") == [str(date.today().year)]
    assert scope_years("今年说到2020年要达到多少？") == ["2020"]
    asked = kb.ask("辽宁今年的农村低保标准是每人每年多少钱？")
    assert asked.outcome != ANSWERED, asked.signals
