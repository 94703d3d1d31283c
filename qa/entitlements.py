"""The entitlement finder: what applies to a household with a given situation, by benefit area.

A clause applies when it names one of the household's situations or conditions (the concept tags
put on every clause at index time); it is filed under the benefit area(s) it belongs to. Over a library
of documents every entry is labelled with its document (`documents`: doc_id → title, region, edition,
status), and the household's own region's documents come first within each area (`first`).
"""
from __future__ import annotations

from indexer.errors import BadInput
from indexer.normalize import normalize, normalize_uncached
from indexer.tagging import concept_matches
from indexer.vocabulary import Vocabulary

from .compose import split_sentences

OTHER_AREA = "其他"


def resolve_profile(items: list[str], vocabulary: Vocabulary) -> list[dict]:
    """Each user word → the situation/condition concepts it names; unknown words are an error."""
    resolved, unknown = [], []
    for item in items:
        matches = concept_matches(normalize(item), vocabulary, ("situation", "condition"))
        labels = {(k, label) for k, label, trigger in matches
                  if not any(t != trigger and trigger in t for _, _, t in matches)}
        if not labels:
            unknown.append(item)
        for kind, label in sorted(labels):
            resolved.append({"input": item, "kind": kind, "label": label})
    if unknown:
        known = "、".join(c.label for c in vocabulary.concepts if c.kind in ("situation", "condition"))
        raise BadInput(f"unknown household situation {'、'.join(unknown)!s}; known: {known}")
    return resolved


def resolve_topic(topic: str | None, vocabulary: Vocabulary) -> str | None:
    if not topic:
        return None
    norm = normalize(topic)
    for c in vocabulary.concepts:
        if c.kind == "topic" and (norm == normalize(c.label) or norm in c.triggers):
            return c.label
    matches = concept_matches(norm, vocabulary, ("topic",))
    if matches:
        return matches[0][1]
    known = "、".join(c.label for c in vocabulary.concepts if c.kind == "topic")
    raise BadInput(f"unknown benefit area {topic!r}; known: {known}")


def find_entitlements(clauses, vocabulary: Vocabulary, profile: list[str], topic: str | None = None,
                      rank: dict[str, float] | None = None, documents: dict[str, dict] | None = None,
                      first: frozenset[str] = frozenset()) -> dict:
    """Grouped entitlements; `rank` (clause_id → relevance) orders clauses within a group, after the documents
    in `first` (the household's region's). `clauses` are the ones that may answer (current editions)."""
    items = [p.strip() for p in profile if p and p.strip()]
    if not items:
        raise BadInput("--profile needs at least one situation, e.g. 低保户,D级危房")
    resolved = resolve_profile(items, vocabulary)
    area = resolve_topic(topic, vocabulary)
    wanted = {f"{r['kind']}:{r['label']}" for r in resolved}
    triggers = [t for c in vocabulary.concepts if f"{c.kind}:{c.label}" in wanted for t in c.triggers]
    topic_order = [c.label for c in vocabulary.concepts if c.kind == "topic"]
    groups: dict[str, list[dict]] = {}
    for clause in clauses:
        matched = sorted(wanted & set(clause.tags))
        if not matched:
            continue
        areas = [t.split(":", 1)[1] for t in clause.tags if t.startswith("topic:")]
        areas.sort(key=lambda a: topic_order.index(a) if a in topic_order else len(topic_order))
        if area:
            if area not in areas:
                continue
            home = area
        else:
            home = areas[0] if areas else OTHER_AREA
        spans = [(s, e) for s, e in split_sentences(clause.text)
                 if any(t in normalize_uncached(clause.text[s:e]) for t in triggers)] or [(0, len(clause.text))]
        groups.setdefault(home, []).append({
            "clause_id": clause.clause_id, "doc_id": clause.doc_id, "doc_title": clause.doc_title,
            "path": clause.path, "kind": clause.kind, "title": clause.title, "text": clause.text,
            "summary": "".join(clause.text[s:e] for s, e in spans).strip(), "highlights": [list(s) for s in spans],
            "matched": matched, "areas": areas, "score": round((rank or {}).get(clause.clause_id, 0.0), 6),
        })
        if documents is not None:
            groups[home][-1].update(document_label(clause, documents.get(clause.doc_id, {})))
    ordered = []
    for name in sorted(groups, key=lambda a: topic_order.index(a) if a in topic_order else len(topic_order)):
        entries = sorted(groups[name], key=lambda e: (e["doc_id"] not in first, -len(e["matched"]), -e["score"]))
        group = {"topic": name, "count": len(entries), "items": entries}
        if documents is not None:
            group["documents"] = list(dict.fromkeys(e["doc_id"] for e in entries))
        ordered.append(group)
    return {"profile": items, "resolved": resolved, "topic": area, "groups": ordered,
            "total": sum(g["count"] for g in ordered)}


def document_label(clause, document: dict) -> dict:
    """The document an entry comes from, and its label as citations have it (qa.documents.citation_label):
    '《社会救助暂行办法》第十一条 · 国务院令第649号 · 现行有效', the edition where there is no 文号."""
    from .documents import citation_label, document_card

    card = document_card({**document, "title": document.get("title") or clause.doc_title})
    article = getattr(clause, "article", "") or ""
    return {"article": article, "document": card, "label": citation_label(card["title"], article, card)}
