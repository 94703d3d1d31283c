"""The entitlement finder: what applies to a household with a given situation, by benefit area.

A clause applies when it names one of the household's situations or conditions (the concept tags
put on every clause at index time); it is filed under the benefit area(s) it belongs to.  A graded
condition implies its ungraded one (D级危房 → 危房: the vocabulary's label ending in another
condition's label).  When a benefit area is asked for and no clause of that area names the household's
situation, the area's own clauses are given instead, marked `broadened` with a sentence saying so.

Over a library of documents every entry is labelled with its document (`documents`: doc_id → its record:
title, 文号, region, edition, status), and the household's own region's documents come first within each
area (`first`); which documents may answer (current editions, the household's region) is the caller's choice.

`household_choices()` reads `indexer/vocab/households.tsv`: the situations and conditions a household
can have, in the order and words residents and cadres use (低保户 for 低保对象, 五保户/特困人员 …).
"""
from __future__ import annotations

from indexer.errors import BadInput
from indexer.normalize import normalize, normalize_uncached
from indexer.tagging import concept_matches
from indexer.vocabulary import VOCAB_DIR, Vocabulary, _lines

from .facts import split_sentences

OTHER_AREA = "其他"
HOUSEHOLDS_FILE = VOCAB_DIR / "households.tsv"


def household_choices(vocabulary: Vocabulary, path=HOUSEHOLDS_FILE) -> list[tuple[str, str, str]]:
    """(kind, label, display name) of each household situation/condition listed in households.tsv that the
    vocabulary knows, in the file's order; without the file, every situation and condition by its label."""
    known = {(c.kind, c.label) for c in vocabulary.concepts if c.kind in ("situation", "condition")}
    choices = []
    for _, line in _lines(path):
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) >= 2 and (parts[0], parts[1]) in known:
            choices.append((parts[0], parts[1], parts[2] if len(parts) > 2 and parts[2] else parts[1]))
    if not choices:
        choices = [(c.kind, c.label, c.label) for c in vocabulary.concepts if c.kind in ("situation", "condition")]
    return choices


def implied_conditions(labels: set[str], vocabulary: Vocabulary) -> set[str]:
    """The ungraded conditions the given graded ones imply (D级危房 → 危房)."""
    conditions = [c.label for c in vocabulary.concepts if c.kind == "condition"]
    return {base for label in labels for base in conditions if base != label and label.endswith(base)}


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
    """Grouped entitlements; `rank` (clause_id → relevance) orders clauses within a group, after those of the
    documents in `first` (the household's region's); `documents` labels each entry with its document."""
    items = [p.strip() for p in profile if p and p.strip()]
    if not items:
        raise BadInput("--profile needs at least one situation, e.g. 低保户,D级危房")
    resolved = resolve_profile(items, vocabulary)
    area = resolve_topic(topic, vocabulary)
    wanted = {f"{r['kind']}:{r['label']}" for r in resolved}
    conditions = {r["label"] for r in resolved if r["kind"] == "condition"}
    wanted |= {f"condition:{label}" for label in implied_conditions(conditions, vocabulary)}
    triggers = [t for c in vocabulary.concepts if f"{c.kind}:{c.label}" in wanted for t in c.triggers]
    topic_order = [c.label for c in vocabulary.concepts if c.kind == "topic"]
    groups = _grouped(clauses, wanted, triggers, area, topic_order, rank)
    broadened = False
    if area and not groups:  # nothing of this area names the household: the area's own clauses
        area_triggers = [t for c in vocabulary.concepts if c.kind == "topic" and c.label == area for t in c.triggers]
        groups = _grouped(clauses, {f"topic:{area}"}, area_triggers, area, topic_order, rank)
        broadened = bool(groups)
    ordered = []
    for name in sorted(groups, key=lambda a: topic_order.index(a) if a in topic_order else len(topic_order)):
        entries = sorted(groups[name], key=lambda e: (e["doc_id"] not in first, -len(e["matched"]), -e["score"]))
        group = {"topic": name, "count": len(entries), "items": entries}
        if documents is not None:
            for entry in entries:
                entry.update(document_label(entry, documents.get(entry["doc_id"], {})))
            group["documents"] = list(dict.fromkeys(e["doc_id"] for e in entries))
        ordered.append(group)
    labels = "、".join(dict.fromkeys(r["label"] for r in resolved))
    note = (f"“{area}”方面没有专门提到{labels}的条款；下面是“{area}”方面的全部条款，请对照本户情况核实。"
            if broadened else "")
    return {"profile": items, "resolved": resolved, "topic": area, "groups": ordered,
            "total": sum(g["count"] for g in ordered), "broadened": broadened, "note": note}


def _grouped(clauses, wanted: set[str], triggers: list[str], area: str | None, topic_order: list[str],
             rank: dict[str, float] | None) -> dict[str, list[dict]]:
    """The clauses carrying any tag in `wanted`, by benefit area (only `area` when given)."""
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
            "article": getattr(clause, "article", "") or "",
            "summary": "".join(clause.text[s:e] for s, e in spans).strip(), "highlights": [list(s) for s in spans],
            "matched": [m for m in matched if not m.startswith("topic:")], "areas": areas,
            "score": round((rank or {}).get(clause.clause_id, 0.0), 6),
        })
    return groups


def document_label(entry: dict, document: dict) -> dict:
    """The document an entry comes from, and its label as citations have it (qa.documents.citation_label):
    '《社会救助暂行办法》第十一条 · 国务院令第649号 · 现行有效', the edition where there is no 文号."""
    from .documents import citation_label, document_card

    card = document_card({**document, "title": document.get("title") or entry["doc_title"]})
    article = entry.get("article") or ""
    return {"article": article, "document": card, "label": citation_label(card["title"], article, card)}
