"""Lead with the need: a household's situation narrows the answer, the thing asked for is what it is about.

"D级危房的低保户能享受哪些医疗救助?" names who asks (低保户), their state (D级危房) and what they ask for
(医疗救助). Retrieval finds clauses for each — the housing clauses rank high because D级危房 is a rare,
exact phrase — but the answer must be about medical relief for 低保 households: clauses about the need
come first (those whose subject is the need, and that speak of the household, before the rest), and the
clauses retrieved only for the situation follow, labelled as related entitlements.
"""
from __future__ import annotations

from dataclasses import replace

from indexer.normalize import normalize

from .types import Analysis, Hit

RELATED = "相关"


def need_words(analysis: Analysis, vocabulary) -> list[str]:
    """The question's own words for what it asks for: the triggers of its needed benefit areas that it
    contains, outside the words naming the household's situation or condition (低保 in 低保户 is who, not what)."""
    text = analysis.normalized
    who = [t for c in vocabulary.concepts if c.kind in ("situation", "condition")
           and c.label in analysis.profile + analysis.conditions for t in c.triggers if t and t in text]
    words = []
    for concept in vocabulary.concepts:
        if concept.kind != "topic" or concept.label not in analysis.needs:
            continue
        for trigger in concept.triggers:
            if trigger and trigger in text and not any(trigger in w for w in who) and trigger not in words:
                words.append(trigger)
    # the longest wording the question uses (医疗救助 rather than 医疗 alone) is the need's name
    return sorted(words, key=len, reverse=True)


def situation_words(analysis: Analysis, vocabulary) -> list[str]:
    return [t for c in vocabulary.concepts if c.kind == "situation" and c.label in analysis.profile for t in c.triggers if t]


def _subject(hit: Hit) -> str:
    """What a clause is about: its innermost heading and its title (first sentence)."""
    heading = hit.clause.path[-1] if hit.clause.path else ""
    return normalize(heading + " " + (hit.clause.title or hit.clause.text[:40]))


def on_need(hit: Hit, analysis: Analysis, words: list[str], by_tag: bool) -> bool:
    """Whether a clause speaks of what is asked for: it was retrieved for it, uses the question's words
    for it or the plan wording they stand for (in its text or headings), or — `by_tag`, when no clause
    uses those words (看病 is not the plan's word) — it is tagged with the needed benefit area."""
    if hit.aspect in analysis.needs:
        return True
    text = normalize(" ".join(hit.clause.path) + " " + hit.clause.text)
    if any(w in text for w in words):
        return True
    return by_tag and any(f"topic:{n}" in (hit.clause.tags or []) for n in analysis.needs)


def need_wordings(analysis: Analysis, words: list[str]) -> list[str]:
    """The need's words and the plan wordings the synonym table gives for them (看病 → 就医, 医疗)."""
    return words + [t for t, alias in analysis.expansions.items() if any(w in alias or alias in w for w in words)]


GENERIC_SHARE = 0.2    # a situation tagged on more of the clauses than this narrows nothing (贫困户, 贫困地区)


def narrowing(analysis: Analysis, tag_share) -> list[str]:
    """The household's situations and conditions that narrow what applies: every condition (D级危房, 大病),
    and each situation that only some clauses speak of (低保对象, 残疾人) — not one that nearly every clause
    of a poverty plan names (建档立卡贫困户) or a place (贫困地区). `tag_share(tag)`: share of clauses tagged so."""
    return analysis.conditions + [s for s in analysis.profile if tag_share(f"situation:{s}") <= GENERIC_SHARE]


def lead_with_need(analysis: Analysis, hits: list[Hit], vocabulary, slots: int = 4, tag_share=lambda tag: 0.0) -> list[Hit]:
    """The hits in the order the answer uses them, when the question names a household's situation and a
    need and the situation pulled clauses about something else ahead of the need (D级危房's housing
    clauses ahead of 医疗救助): the clauses about the need lead — those whose subject is the need and that
    speak of the household first —, the clauses retrieved for the situation follow within the first
    `slots`, marked related ("相关：D级危房"), and every other clause keeps its place. Other questions keep
    their hits as they are: those naming no narrowing situation, no need in words of their own, no other
    area the situation brings in (a student asking about school), or already leading with the need."""
    implied = [t for t in analysis.topics if t not in analysis.needs]   # areas the situation brings in (住房 of D级危房)
    words = need_words(analysis, vocabulary)
    if not words or not implied or not narrowing(analysis, tag_share) or not hits:
        return hits
    wordings = need_wordings(analysis, words)
    by_tag = not any(w in normalize(" ".join(h.clause.path) + " " + h.clause.text) for h in hits for w in wordings)
    about_need = [on_need(hit, analysis, wordings, by_tag) for hit in hits]
    if not any(about_need):
        return hits
    first_need = about_need.index(True)
    # clauses ahead of the need, retrieved for the situation or condition, or only about an area the
    # situation brings in (住房 for D级危房), are the related ones
    def only_implied(hit: Hit) -> bool:
        tags = hit.clause.tags or []
        return any(f"topic:{t}" in tags for t in implied) and not any(f"topic:{n}" in tags for n in analysis.needs)

    related = [i for i, hit in enumerate(hits) if not about_need[i] and (i < first_need or hit.aspect)]
    if not related:
        return hits
    # other clauses only about such an area go last, after everything about the need
    tail = [i for i, hit in enumerate(hits) if not about_need[i] and i not in related and only_implied(hit)]
    who = situation_words(analysis, vocabulary)

    def key(i):
        subject_is_need = any(w in _subject(hits[i]) for w in words)
        for_household = any(w in normalize(hits[i].clause.text) for w in who)
        return (not subject_is_need, not for_household, i)

    need = sorted((i for i in range(len(hits)) if about_need[i]), key=key)
    slots_of_need = iter(need)
    body = [hits[next(slots_of_need)] if about_need[i] else hits[i] for i in range(len(hits))
            if i not in related and i not in tail]
    mark = lambda i: replace(hits[i], aspect=f"{RELATED}：{hits[i].aspect}" if hits[i].aspect else RELATED)
    marked = [mark(i) for i in related]
    lead = max(1, min(slots - len(marked), sum(about_need)))
    return body[:lead] + marked + body[lead:] + [mark(i) for i in tail]
