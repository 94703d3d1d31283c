"""Tagging clauses with the controlled vocabulary (situations, conditions, benefit areas)."""
from __future__ import annotations

from .clause import Clause
from .normalize import normalize, normalize_uncached
from .vocabulary import Vocabulary

TAG_KINDS = ("situation", "condition", "topic")


def concept_matches(normalized_text: str, vocabulary: Vocabulary, kinds=TAG_KINDS) -> list[tuple[str, str, str]]:
    """(kind, label, trigger) for every concept whose trigger occurs in the text."""
    found = []
    for concept in vocabulary.concepts:
        if concept.kind not in kinds:
            continue
        trigger = next((t for t in concept.triggers if t and t in normalized_text), None)
        if trigger:
            found.append((concept.kind, concept.label, trigger))
    return found


def tag_clause(clause: Clause, vocabulary: Vocabulary) -> list[str]:
    heading = normalize(" ".join(clause.path[-2:]))
    body = normalize_uncached(clause.text)
    tags = {f"{kind}:{label}" for kind, label, _ in concept_matches(body, vocabulary)}
    # a heading's benefit area applies to every clause under it (第六章 健康扶贫 → 医疗)
    tags |= {f"topic:{label}" for kind, label, _ in concept_matches(heading, vocabulary, ("topic",))}
    return sorted(tags)
