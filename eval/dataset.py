"""Evaluation questions: reading and checking a question file (format in eval/README.md)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.errors import BadInput
from qa.jsonl import read_jsonl

PERSONAS = ("cadre", "trainer", "resident", "evaluator")
TYPES = ("number", "list", "yesno", "multi_aspect", "table", "colloquial", "out_of_scope")
OUT_OF_SCOPE = "out_of_scope"
REQUIRED = ("id", "question", "persona", "type", "anchors", "facts", "gold", "chapter")


@dataclass
class Question:
    id: str
    question: str
    persona: str
    type: str
    anchors: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    chapter: str | None = None
    variant: str = ""          # robustness variants only: "traditional", "fullwidth", "typo"
    variant_of: str = ""       # … and the id of the question they rewrite
    edit: str = ""             # … and what was changed, for the reader
    original: str = ""         # … and the question text they were made from (a changed one makes them stale)

    @property
    def out_of_scope(self) -> bool:
        return self.type == OUT_OF_SCOPE

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("variant", "variant_of", "edit", "original"):
            if not out[key]:
                del out[key]
        return out


def parse_question(obj: dict, where: str) -> Question:
    if not isinstance(obj, dict):
        raise BadInput(f"{where}: expected a JSON object")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise BadInput(f"{where}: missing field(s) {', '.join(missing)}")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise BadInput(f"{where}: empty question")
    if obj["persona"] not in PERSONAS:
        raise BadInput(f"{where}: persona {obj['persona']!r} is not one of {', '.join(PERSONAS)}")
    if obj["type"] not in TYPES:
        raise BadInput(f"{where}: type {obj['type']!r} is not one of {', '.join(TYPES)}")
    for key in ("anchors", "facts", "gold"):
        if not isinstance(obj[key], list) or not all(isinstance(x, str) for x in obj[key]):
            raise BadInput(f"{where}: {key} must be a list of strings")
    return Question(id=str(obj["id"]), question=obj["question"], persona=obj["persona"], type=obj["type"],
                    anchors=list(obj["anchors"]), facts=list(obj["facts"]), gold=list(obj["gold"]),
                    chapter=obj["chapter"], variant=obj.get("variant", ""), variant_of=str(obj.get("variant_of", "")),
                    edit=obj.get("edit", ""), original=obj.get("original", ""))


def load_questions(path: Path) -> list[Question]:
    """Every question of a JSONL file; a malformed line or a repeated id is a BadInput naming the line."""
    path = Path(path)
    questions: list[Question] = []
    seen: set[str] = set()
    for n, obj in read_jsonl(path, "question file"):
        question = parse_question(obj, f"{path}:{n}")
        if question.id in seen:
            raise BadInput(f"{path}:{n}: id {question.id!r} is used twice")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise BadInput(f"{path}: no questions")
    return questions


def write_questions(path: Path, questions: list[Question]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(json.dumps(q.to_json(), ensure_ascii=False) + "\n")
