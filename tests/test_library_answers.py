"""Answers over the plan plus ../shared/policies (the session's `library_kb`, built once): editions, regions,
named documents, filters, and entitlements and digests across documents."""
from __future__ import annotations

import json

import pytest

SUPERSEDED = ("慈善法-2016-03-16", "上海市社会救助条例-2018-11-22")


def first_doc(answer) -> str:
    return answer.citations[0].clause.doc_id if answer.citations else ""


def cited_docs(answer) -> list[str]:
    return [c.clause.doc_id for c in answer.citations]


@pytest.mark.parametrize("question", ["慈善组织成立多久以后可以申请公开募捐的资格", "个人能不能在网上为自己生病的孩子求助",
                                      "上海低收入家庭可以申请哪些专项救助", "网络募捐要在什么平台上进行"])
def test_superseded_editions_are_not_cited_unless_asked_for(library_kb, question):
    answer = library_kb.ask(question)
    assert not set(cited_docs(answer)) & set(SUPERSEDED), question


@pytest.mark.parametrize("question", ["2016年版的慈善法规定慈善组织成立多久以后可以申请公开募捐资格",
                                      "慈善法修订前，慈善组织要登记满几年才能申请公开募捐资格"])
def test_an_older_edition_answers_when_asked_for_and_says_so(library_kb, question):
    answer = library_kb.ask(question)
    assert first_doc(answer) == "慈善法-2016-03-16"
    assert "（2016年版，已被修订）" in answer.answer and "满二年" in answer.answer
    assert "慈善法-2023-12-29" not in cited_docs(answer)


def test_the_current_edition_answers_a_plain_question(library_kb):
    answer = library_kb.ask("慈善组织依法登记满多长时间可以申请公开募捐资格")
    assert first_doc(answer) == "慈善法-2023-12-29" and "满一年" in answer.answer and "已被修订" not in answer.answer


@pytest.mark.parametrize("question, province_doc", [
    ("我在重庆，家里的低保多久复查一次", "重庆市城乡居民最低生活保障条例-2016-03-31"),
    ("杭州的困难家庭遇到急事，能申请临时救助吗", "浙江省社会救助条例-2020-09-24"),
    ("上海的刚性支出困难家庭指的是哪些家庭", "上海市社会救助条例-2024-12-31"),
])
def test_a_named_region_leads_and_no_other_province_is_cited(library_kb, question, province_doc):
    answer = library_kb.ask(question)
    assert first_doc(answer) == province_doc
    regions = {library_kb.doc_infos[d].region for d in cited_docs(answer)}
    assert regions <= {library_kb.doc_infos[province_doc].region, "全国"}


def test_the_users_region_scopes_a_question_that_names_none(library_kb):
    answer = library_kb.ask("低保对象多久复查一次", region="重庆")
    assert first_doc(answer) == "重庆市城乡居民最低生活保障条例-2016-03-31"
    other = library_kb.ask("低保对象多久复查一次", region="浙江")
    assert not {d for d in cited_docs(other) if library_kb.doc_infos[d].region not in ("浙江省", "全国")}


def test_a_named_document_answers(library_kb):
    answer = library_kb.ask("《社会救助暂行办法》对临时救助是怎么规定的")
    assert first_doc(answer) == "社会救助暂行办法-2019-03-02"
    answer = library_kb.ask("按城市居民最低生活保障条例，低保待遇怎么申请")
    assert first_doc(answer) == "城市居民最低生活保障条例-1999-09-28"


def test_filters_by_document_and_bad_region(library_kb):
    from indexer.errors import BadInput

    answer = library_kb.ask("临时救助怎么申请", doc_ids=["浙江省社会救助条例-2020-09-24"])
    assert set(cited_docs(answer)) <= {"浙江省社会救助条例-2020-09-24"}
    with pytest.raises(BadInput, match="--region"):
        library_kb.ask("临时救助怎么申请", region="火星")
    with pytest.raises(BadInput, match="--doc"):
        library_kb.ask("临时救助怎么申请", doc_ids=["没有这个文件"])
    with pytest.raises(BadInput, match="--kind"):
        library_kb.ask("临时救助怎么申请", kinds=["不是一种文件"])


def test_entitlements_draw_on_every_current_document_labelled_region_first(library_kb):
    result = library_kb.entitlements(["低保户"], region="浙江")
    items = [e for g in result["groups"] for e in g["items"]]
    docs = {e["doc_id"] for e in items}
    assert len(docs) >= 3 and not docs & set(SUPERSEDED)
    assert {library_kb.doc_infos[d].region for d in docs} <= {"浙江省", "全国"}
    for group in result["groups"]:
        assert all(e["label"].startswith("《") for e in group["items"])
        zj = [n for n, e in enumerate(group["items"]) if e["doc_id"].startswith("浙江")]
        if zj:   # the household's region first within each area
            assert zj == list(range(len(zj)))
    everyone = library_kb.entitlements(["低保户"])
    assert not {e["doc_id"] for g in everyone["groups"] for e in g["items"]} & set(SUPERSEDED)


def test_digest_of_an_area_over_every_current_document(library_kb):
    digest = library_kb.digest(topic="医疗", region="上海")
    documents = {m.document for m in digest.measures}
    assert len(documents) >= 3 and all(d.startswith("《") for d in documents)
    assert digest.measures[0].document.startswith("《上海市社会救助条例》")
    assert not any("已被修订" in d for d in documents)
    assert not any(c.startswith(SUPERSEDED) for c in digest.clause_ids)


def test_cli_ask_and_entitlements_take_a_region(run_cli, library_index, tmp_path):
    index, corpus = library_index
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "question": "低保对象多久复查一次", "region": "浙江"}\n', encoding="utf-8")
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "--batch", batch, "--json")
    assert code == 0 and json.loads(out)["citations"][0]["doc_id"].startswith(("浙江省", "社会救助"))
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "ask", "低保对象多久复查一次", "--region", "重庆", "--json")
    assert code == 0 and json.loads(out)["citations"][0]["doc_id"].startswith("重庆市")
    code, out, _ = run_cli("--index", index, "--corpus", corpus, "entitlements", "--profile", "低保户", "--region", "上海")
    assert code == 0 and "地区: 上海市" in out and "《上海市社会救助条例》" in out
    code, _, err = run_cli("--index", index, "--corpus", corpus, "ask", "低保", "--region", "火星")
    assert code == 2 and "--region" in err


def test_a_region_without_documents_of_its_own_is_answered_by_the_national_rules(library_kb):
    answer = library_kb.ask("我在贵州，特困人员供养包括哪些内容？")
    assert not answer.abstained and first_doc(answer) == "社会救助暂行办法-2019-03-02"
    assert {library_kb.doc_infos[d].region for d in cited_docs(answer)} == {"全国"}


@pytest.mark.parametrize("question, article", [("乡村振兴促进法从哪天起开始施行？", "乡村振兴促进法-2021-04-29/art074"),
                                               ("《社会救助暂行办法》是从哪天开始施行的？", "社会救助暂行办法-2019-03-02/art070"),
                                               ("上海市社会救助条例是哪天起施行的？", "上海市社会救助条例-2024-12-31/art056")])
def test_a_named_document_is_searched_for_what_is_asked_of_it(library_kb, question, article):
    """The document's name confines the search; its words are not searched (every article of the law is
    about the law), so the one article saying when it took effect is found, and only that law answers."""
    answer = library_kb.ask(question)
    assert answer.outcome == "answered", answer.answer
    assert answer.citations[0].clause.clause_id == article
    assert set(cited_docs(answer)) == {article.split("/")[0]}
    assert library_kb.search(question, k=1)[0].clause.clause_id == article


def test_the_year_naming_an_edition_is_not_searched_as_a_date(library_kb):
    answer = library_kb.ask("按2016年版的慈善法，慈善组织要登记满几年才能申请公开募捐资格？")
    assert first_doc(answer) == "慈善法-2016-03-16" and "满二年" in answer.answer
    searched = library_kb.searched(library_kb.analyze("按1999年的《城市居民最低生活保障条例》，审批要多少天办完？"),
                                   library_kb.scope("按1999年的《城市居民最低生活保障条例》，审批要多少天办完？"))
    assert "1999" not in searched.normalized and "条例" not in searched.normalized and "审批" in searched.tokens


def test_an_edition_older_than_any_held_is_not_answered_as_if_it_were(library_kb):
    """Only the 2006 农村五保供养工作条例 is held: a question about the 1994 one gets the 2006 text, saying so."""
    answer = library_kb.ask("1994年颁布的农村五保供养工作条例对供养内容是怎么规定的？")
    assert answer.outcome == "partial"
    assert answer.answer.startswith("文件库没有收录《农村五保供养工作条例》1994年的版本，以下依据的是现有的2006年版文本")
    assert first_doc(answer) == "农村五保供养工作条例-2006-01-21"
    held = library_kb.ask("2006年的农村五保供养工作条例对供养内容是怎么规定的？")
    assert held.outcome == "answered" and "文件库没有收录" not in held.answer
    # a year that is not the edition's (it follows the name, about something else) changes nothing
    later = library_kb.ask("农村五保供养工作条例规定的供养内容，1990年出生的人也适用吗？")
    assert "文件库没有收录" not in later.answer


def test_a_document_named_as_people_say_it_is_the_one_named(library_kb):
    """城市低保条例 is 城市居民最低生活保障条例; 重庆低保条例 is 重庆市城乡居民最低生活保障条例."""
    assert library_kb.scope("按城市低保条例，审批最长要多少天？").named == ("城市居民最低生活保障条例-1999-09-28",)
    assert "重庆市城乡居民最低生活保障条例-2016-03-31" in library_kb.scope("重庆低保条例对家庭财产有什么规定？").named
    answer = library_kb.ask("按国务院的城市低保条例，审批机关接到申请后多少天内要办完审批手续？")
    assert first_doc(answer) == "城市居民最低生活保障条例-1999-09-28" and "30日内" in answer.answer


def test_the_sentence_on_the_askers_own_situation_is_quoted(library_kb):
    """第三十条 sets the general rule (审核、公示后…审批) and then the 低保 household's (直接办理): a 低保户 asking
    whether it must go through the general one is shown its own."""
    answer = library_kb.ask("我们家吃低保，看病申请医疗救助也要先公示再审批吗？")
    assert "直接办理" in answer.answer or "直接获得医疗救助" in answer.answer


def test_a_year_written_inside_a_documents_name_still_names_it_and_its_edition(library_kb):
    question = "上海2018年的社会救助条例里，特困人员供养是怎么规定的？"
    assert library_kb.scope(question).named == ("上海市社会救助条例-2018-11-22",)
    assert first_doc(library_kb.ask(question)) == "上海市社会救助条例-2018-11-22"


def test_work_found_and_income_counted_in_plain_words_find_the_article(library_kb):
    """找着工作 is 就业 and 算进家里收入 is 计入家庭收入: 浙江 第五十条 (因就业而增加的收入不计入家庭收入)."""
    hits = library_kb.search("俺家在浙江吃低保，闺女找着工作了，她挣的钱会算进家里收入吗？", k=3)
    assert "浙江省社会救助条例-2020-09-24/art050" in [h.clause.clause_id for h in hits]


@pytest.mark.parametrize("question, article", [("什么叫农村五保供养？", "农村五保供养工作条例-2006-01-21/art002"),
                                               ("慈善组织是指什么？", "慈善法-2023-12-29/art008")])
def test_a_question_asking_what_a_thing_is_leads_with_the_clause_defining_it(library_kb, question, article):
    answer = library_kb.ask(question)
    assert answer.outcome == "answered" and answer.citations[0].clause.clause_id == article


def test_a_definition_is_only_looked_for_when_asked_and_only_of_the_questions_words():
    from indexer.clause import Clause
    from qa.abstain import defining_hit
    from qa.types import Hit

    def hit(text):
        return Hit(Clause("x/" + text[:3], "x", "某条例", [], "article", text, 0, len(text)), 1.0)
    hits = [hit("第十二条 农村五保供养对象可以自行选择供养形式。"), hit("第二条 本条例所称农村五保供养，是指在吃、穿、住、医、葬方面给予的照顾。")]
    assert defining_hit("五保供养是什么？", ["五保供养"], hits) == 1
    assert defining_hit("五保供养标准多少钱？", ["五保供养"], hits) is None      # not asked what it is
    assert defining_hit("特困人员是什么？", ["特困人员"], hits) is None          # no clause defines it


@pytest.mark.parametrize("question", ["想把户口从村里迁到县城，要带啥证件？", "浙江省居住证怎么办理？"])
def test_papers_or_a_procedure_must_be_stated_where_the_clause_speaks_of_what_is_asked(library_kb, question):
    """An article naming 户口 among a 低保 application's papers, or saying where 低保 is applied for, does not
    say what a change of household registration or a residence permit needs."""
    assert library_kb.ask(question).outcome != "answered"


def test_a_deadline_stated_of_the_body_the_sentence_before_names_still_answers(library_kb):
    answer = library_kb.ask("村委会把五保评议意见报上去以后，乡镇政府要在多少天内拿出审核意见？")
    assert answer.outcome == "answered" and "20日内" in answer.answer


def test_a_document_named_without_its_暂行_is_the_one_named(library_kb):
    answer = library_kb.ask("吃低保的人有劳动能力，社区介绍了几回工作都不去，按社会救助办法会怎样？")
    assert answer.signals["scope"]["named"] == ["社会救助暂行办法-2019-03-02"]
    assert answer.citations[0].clause.clause_id == "社会救助暂行办法-2019-03-02/art045"
    assert {c.clause.doc_id for c in answer.citations} == {"社会救助暂行办法-2019-03-02"}


def test_money_earned_in_plain_words_is_income(library_kb):
    """挣的钱 is 收入: the article on a new job's earnings left out of the family's income leads."""
    answer = library_kb.ask("浙江的低保家庭，女儿刚上班挣的钱要不要算进家里？")
    assert answer.citations[0].clause.clause_id == "浙江省社会救助条例-2020-09-24/art050"


def test_the_issuer_written_before_a_named_document_is_not_asked_of_its_clauses(library_kb):
    """国务院的《自然灾害救助条例》哪天起施行: 第三十五条 names no 国务院, and still states the day asked."""
    answer = library_kb.ask("国务院的《自然灾害救助条例》是从哪天起开始施行的？")
    assert answer.outcome == "answered"
    assert answer.citations[0].clause.clause_id == "自然灾害救助条例-2019-03-02/art035"


def test_another_provinces_regulation_of_a_held_kind_is_not_covered(library_kb):
    answer = library_kb.ask("江苏省社会救助条例里，临时救助一次最多给多少钱？")
    assert answer.outcome == "not_covered" and "《江苏省社会救助条例》" in answer.answer.split("。")[1]


def test_a_figure_asked_for_a_year_is_led_by_the_clause_naming_that_year(library_kb):
    """The plan's year-by-year targets (2016年减贫25万人…2018年减贫20万人…) are one long clause that ranks fourth over
    fifteen documents; no clause above it names 2018. Asked for 2018's figures, it leads, and the answer is not partial."""
    answer = library_kb.ask("规划里2018年全省要减贫多少人、摘帽几个重点县？")
    assert answer.outcome == "answered", answer.signals
    assert "2018年减贫20万人" in answer.citations[0].clause.text
