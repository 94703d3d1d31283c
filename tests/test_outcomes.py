"""Answers that answer what was asked: three honest outcomes, the need first, sentences that carry the fact."""
from __future__ import annotations

import pytest

from qa.types import ANSWERED, NOT_COVERED, OUTCOMES, PARTIAL


def _related_last(answer) -> None:
    """Citations retrieved for the household's situation come after every citation about the need."""
    related = [c.aspect.startswith("相关") for c in answer.citations]
    assert related == sorted(related), [(c.clause.clause_id, c.aspect) for c in answer.citations]


# --- three outcomes ---------------------------------------------------------------------------
def test_every_answer_carries_its_outcome(kb):
    for question in ("看病要先交钱吗", "住房公积金贷款最高额度是多少?", "后天大连刮不刮大风"):
        answer = kb.ask(question).to_json()
        assert answer["outcome"] in OUTCOMES
        assert answer["abstained"] == (answer["outcome"] != ANSWERED)
        assert bool(answer["missing"]) == (answer["outcome"] == PARTIAL)
        assert 0.0 <= answer["signals"]["coverage_model"]["probability"] <= 1.0


def test_a_subject_covered_without_the_fact_asked_for_is_partial_and_says_what_is_missing(kb):
    # the plan speaks of rebuilding D-grade houses but states no amount per household
    answer = kb.ask("农村危房改造每户补助多少元?").to_json()
    assert answer["outcome"] == PARTIAL and answer["abstained"]
    assert "金额" in answer["missing"] and answer["missing"] in answer["answer"]
    assert answer["citations"] and answer["citations"][0]["highlights"], "what the documents do say is cited"


@pytest.mark.parametrize("question", ["个人所得税起征点现在是多少?", "酸菜炖粉条咋做才好吃,先放啥后放啥",
                                      "十四五期间贫困村要退出多少个?"])
def test_questions_about_nothing_in_the_documents_are_not_covered(kb, question):
    answer = kb.ask(question).to_json()
    assert answer["outcome"] == NOT_COVERED and answer["abstained"] and not answer["missing"]
    assert "没有找到" in answer["answer"]


@pytest.mark.parametrize("question, absent", [("个人所得税起征点现在是多少?", "个人所得税"), ("2030年的扶贫标准是多少?", "2030年"),
                                              ("贵州的易地搬迁安置房多少钱一平?", "贵州")])
def test_a_not_covered_answer_says_what_no_document_mentions(kb, question, absent):
    answer = kb.ask(question).to_json()
    assert answer["outcome"] == NOT_COVERED
    assert answer["answer"].startswith("这些文件中没有找到能回答这个问题的规定。文件中没有提到：")
    assert absent in answer["answer"].split("。")[1]


def test_missing_statement_names_who_sets_the_figure():
    from qa.abstain import missing_statement

    said = missing_statement("money", ["第十条 最低生活保障标准由省、自治区、直辖市人民政府确定、公布。"])
    assert said == "文件只规定由省、自治区、直辖市人民政府确定标准，没有具体金额"
    said = missing_statement("money", ["第十条 供养标准，由设区的市级人民政府确定、公布。"])
    assert said == "文件只规定由设区的市级人民政府确定标准，没有具体金额"
    assert missing_statement("phone", ["各地设立服务窗口。"]) == "文件没有写明联系电话"


def test_a_multiple_of_a_standard_is_an_amount():
    from qa.abstain import unmet_answer_type

    question = "临时救助一次最多能给多少钱"
    assert unmet_answer_type(question, "给予每人当地最低生活保障标准六倍以下的一次性基本生活救助") is None
    assert unmet_answer_type(question, "处五百元以上一千元以下罚款") is None
    assert unmet_answer_type(question, "临时救助以发放救助金为主") == "money"


def test_the_askers_own_place_is_not_what_they_ask_about():
    from qa.abstain import asker_places

    assert asker_places("我在温州,家里出了车祸,临时救助一次最多能给多少", ["温州"]) == ["温州"]
    assert asker_places("贵州的搬迁安置房多少钱一平", ["贵州"]) == []


# --- lead with the need -----------------------------------------------------------------------
def test_design_card_question_leads_with_medical_relief_for_low_income_households(kb):
    answer = kb.ask("D级危房的低保户能享受哪些医疗救助?")
    first = answer.citations[0]
    assert "topic:医疗" in first.clause.tags and "医疗救助" in first.clause.text
    assert any(p.startswith("专栏8") for p in first.clause.path)
    lead = answer.points[0]["text"]
    assert "医疗救助" in lead and "低保" in lead
    housing = [c for c in answer.citations if "topic:住房" in c.clause.tags and "topic:医疗" not in c.clause.tags]
    assert housing and all(c.aspect.startswith("相关") for c in housing)
    assert "【相关" in answer.answer
    _related_last(answer)


@pytest.mark.parametrize("question,need", [
    ("D级危房的低保户能享受哪些医疗救助?", "医疗"),
    ("住C级危房的残疾人看病有什么帮助?", "医疗"),
    ("因病致贫的五保户能享受哪些住房政策?", "住房"),
])
def test_a_situation_narrows_the_answer_and_the_need_leads_it(kb, question, need):
    answer = kb.ask(question)
    assert answer.outcome == ANSWERED
    assert f"topic:{need}" in answer.citations[0].clause.tags, answer.citations[0].clause.clause_id
    # the lead line of a list answer names the need's measures, never the related ones
    first_line = answer.answer.split("\n")[0]
    assert "【相关" not in first_line
    _related_last(answer)


def test_a_question_without_a_situation_keeps_its_ranking(kb):
    from qa.focus import lead_with_need

    analysis = kb.analyze("医疗救助有哪些政策?")
    hits = kb.search("医疗救助有哪些政策?")
    assert lead_with_need(analysis, hits, kb.vocabulary, 4, kb.tag_share) is hits


# --- sentences that carry the fact ------------------------------------------------------------
def test_a_sentence_cut_at_a_semicolon_is_carried_on_to_the_figure():
    from qa.compose import Sentence, carry_the_fact
    from qa.facts import states_figure

    text = "遭遇突发事件、基本生活暂时出现严重困难的家庭，经乡镇人民政府审核后给予临时救助；每次不超过当地月最低生活保障标准的三倍。"
    first, second = text.split("；")
    pieces = [Sentence(0, len(first) + 1, first + "；", 2.0), Sentence(len(first) + 1, len(text), second, 0.4)]
    assert carry_the_fact(pieces, pieces[:1], states_figure) == pieces
    assert carry_the_fact(pieces, pieces[:1], None) == pieces[:1]   # nothing of a kind asked for


def test_what_happens_when_a_rule_is_broken_is_carried_on_to_in_the_clause_order():
    """学校不收怎么办: the clause's piece saying what follows a refusal (拒绝招收的，…责令该学校招收) is quoted,
    after the pieces before it, not left behind a '；'."""
    from qa.compose import Sentence, asked_fact, carry_the_fact

    text = ("普通小学必须招收能适应其学习生活的残疾儿童入学；普通高级中等学校不得因其残疾而拒绝招收；"
            "拒绝招收的，当事人可以要求有关部门处理，有关部门应当责令该学校招收。")
    cuts = [0]
    for piece in text.split("；")[:-1]:
        cuts.append(cuts[-1] + len(piece) + 1)
    cuts.append(len(text))
    pieces = [Sentence(a, b, text[a:b], 1.0) for a, b in zip(cuts, cuts[1:])]

    class Asked:
        normalized, qtype = "残疾孩子考上了高中，学校不收，怎么办？", "other"
    states = asked_fact(Asked)
    assert states is not None and not states(pieces[1].text) and states(pieces[2].text)
    assert carry_the_fact(pieces, [pieces[0], pieces[1]], states) == pieces
    Asked.normalized = "残疾孩子上高中有什么规定？"   # not asking what happens: nothing carried
    assert asked_fact(Asked) is None


POLICY = """# 某市困难群众临时救助办法

## 第一章 总则

第一条 为了保障困难群众的基本生活，根据有关法律法规，结合本市实际，制定本办法。

第二条 本办法所称临时救助，是指对遭遇突发事件、意外伤害、重大疾病等原因导致基本生活暂时出现严重困难的家庭给予的应急性、过渡性救助。

## 第二章 救助标准

第三条 临时救助的对象，由申请人户籍所在地或者居住地乡镇人民政府审核确认，临时救助金以发放现金为主；一次救助金额不超过当地月最低生活保障标准的四倍。

第四条 申请临时救助的，应当在困难发生后三个月内向乡镇人民政府提出；情况紧急的，可以先行救助后补办手续。
"""


@pytest.fixture(scope="module")
def policy_kb(tmp_path_factory):
    from indexer.build import build_index
    from qa.engine import open_knowledge_base

    root = tmp_path_factory.mktemp("policy")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "linshi.md").write_text(POLICY, encoding="utf-8")
    build_index(corpus, root / "index")
    return open_knowledge_base(root / "index", corpus, build_if_missing=False)


@pytest.mark.parametrize("question,fact", [
    ("临时救助一次最多能给多少钱?", "四倍"),           # a multiple of a standard is an amount
    ("临时救助要在困难发生后多久以内申请?", "三个月内"),  # a deadline after the '；'-free lead sentence
])
def test_the_answer_states_the_figure_or_deadline_asked_for(policy_kb, question, fact):
    answer = policy_kb.ask(question)
    assert answer.outcome == ANSWERED, (answer.outcome, answer.signals)
    assert fact in answer.points[0]["text"], answer.answer


def test_a_figure_for_a_named_year_or_place_must_come_from_a_clause_naming_it(kb):
    answer = kb.ask("朝阳县2017年底还有多少建档立卡贫困人口?")
    assert answer.outcome != ANSWERED and answer.signals["unmet_answer_type"] == "scoped"
    assert kb.ask("到2015年底全省还有多少建档立卡贫困人口?").outcome == ANSWERED


def test_a_document_the_library_does_not_have_is_not_covered(kb):
    answer = kb.ask("《社会救助法》什么时候开始施行?")
    assert answer.outcome == NOT_COVERED and "《社会救助法》" in answer.signals["unknown_places"]


# --- the coverage model's maths ---------------------------------------------------------------
def test_covered_probability_is_a_standardised_logistic():
    from qa.coverage import covered_probability

    assert covered_probability([1.0], [0.0], 0.0, [0.0], [1.0]) == 0.5
    assert covered_probability([2.0], [1.0], 0.0, [1.0], [2.0]) > 0.6     # (2 − 1) / 2 = 0.5 → σ(0.5)
    assert covered_probability([0.0], [1.0], 0.0, [1.0], [1.0]) < 0.5


def test_the_shipped_model_names_every_feature_and_a_threshold():
    from qa.coverage import FEATURES, load_model

    model = load_model()
    assert set(model.weights) == set(FEATURES) and 0.0 < model.threshold < 1.0
    assert model.provenance.get("calibration_questions", 0) > 0


def test_fit_and_threshold_follow_the_calibration_data():
    import numpy as np

    from eval.calibrate import choose_threshold, fit_logistic

    x = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    weights, bias = fit_logistic(x, y, l2=0.1)
    assert weights[0] > 0 and abs(bias) < 1e-6
    points = [{"threshold": 0.2, "abstain_recall": 0.5, "false_abstention_rate": 0.0},
              {"threshold": 0.4, "abstain_recall": 0.9, "false_abstention_rate": 0.0},
              {"threshold": 0.6, "abstain_recall": 1.0, "false_abstention_rate": 0.05}]
    assert choose_threshold(points, max_false=0.01) == 0.3   # best allowed recall, halfway down to the next one


def test_split_is_the_files_or_a_stable_hash_of_the_id():
    from eval.calibrate import split_of

    assert split_of({"id": "x", "split": "test"}) == "test"
    assert split_of({"id": "q001"}) == split_of({"id": "q001"}) in ("calibration", "test")
    assert {split_of({"id": f"q{n:03d}"}) for n in range(20)} == {"calibration", "test"}
