"""qa.entitlements: any combination of a household's situation, condition and benefit area finds clauses."""
from __future__ import annotations

from qa.entitlements import household_choices, implied_conditions


def test_a_condition_alone_finds_its_clauses_and_those_of_its_ungraded_condition(kb):
    result = kb.entitlements(["D级危房"])
    ids = [i["clause_id"] for g in result["groups"] for i in g["items"]]
    assert result["total"] == len(ids) > 0 and not result["broadened"]
    tagged = [c.clause_id for c in kb.clauses() if "condition:D级危房" in c.tags]
    generic = [c.clause_id for c in kb.clauses() if "condition:危房" in c.tags]
    assert set(tagged) <= set(ids) and set(generic) <= set(ids)
    assert implied_conditions({"D级危房", "大病"}, kb.vocabulary) == {"危房"}


def test_a_condition_with_an_area_it_is_never_named_in_gives_that_areas_clauses_saying_so(kb):
    result = kb.entitlements(["D级危房"], "医疗")
    assert result["total"] > 0 and result["broadened"]
    assert [g["topic"] for g in result["groups"]] == ["医疗"]
    assert all("topic:医疗" in kb.clause(i["clause_id"]).tags for i in result["groups"][0]["items"])
    assert "医疗" in result["note"] and "D级危房" in result["note"]
    # a household the area does name is not broadened
    named = kb.entitlements(["低保户", "D级危房"], "医疗")
    assert named["total"] > 0 and not named["broadened"] and named["note"] == ""


def test_household_choices_are_household_situations_in_usual_words(kb):
    choices = household_choices(kb.vocabulary)
    display = {label: name for _, label, name in choices}
    assert display["低保对象"] == "低保户" and "五保户" in display["特困人员"]
    assert not {"帮扶干部", "贫困村", "重点县", "贫困地区"} & set(display)
    known = {(c.kind, c.label) for c in kb.vocabulary.concepts}
    assert all((kind, label) in known for kind, label, _ in choices)
    for _, label, _ in choices:  # every choice resolves to (at least) itself
        assert label in [r["label"] for r in kb.entitlements([label])["resolved"]]
