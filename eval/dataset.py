"""Evaluation questions: reading and checking a question file (format in eval/README.md)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.errors import BadInput
from qa.jsonl import read_jsonl

PERSONAS = ("cadre", "trainer", "resident", "evaluator")
TYPES = ("number", "list", "yesno", "multi_aspect", "table", "colloquial", "out_of_scope")
# further types of a set over many documents (eval/questions_policies.jsonl)
LIBRARY_TYPES = ("fact", "edition", "region", "cross_document")
OUT_OF_SCOPE = "out_of_scope"
EDITION = "edition"
SPLITS = ("calibration", "test")
# A question file over one document gives `gold` clause ids and `chapter`; a file over many documents gives
# anchors as {"doc": file name without suffix, "text": verbatim and unique in that document}, from which the
# runner resolves gold at run time (so segmentation changes never break it), and may give `region` (the
# asker's), `expect_doc` (the document that must be cited first) and `split`.
REQUIRED = ("id", "question", "persona", "type", "anchors", "facts")


@dataclass
class Question:
    id: str
    question: str
    persona: str
    type: str
    anchors: list = field(default_factory=list)   # verbatim strings, or {"doc": ..., "text": ...}
    facts: list[str] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    chapter: str | None = None
    region: str | None = None      # the asker's region (a province or city, any form), or None
    expect_doc: str | None = None  # the document (file name without suffix) whose clause must be cited first
    split: str = ""                # "calibration" | "test" | ""
    variant: str = ""          # robustness variants only: "traditional", "fullwidth", "typo"
    variant_of: str = ""       # … and the id of the question they rewrite
    edit: str = ""             # … and what was changed, for the reader
    original: str = ""         # … and the question text they were made from (a changed one makes them stale)

    @property
    def out_of_scope(self) -> bool:
        return self.type == OUT_OF_SCOPE

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("variant", "variant_of", "edit", "original", "split"):
            if not out[key]:
                del out[key]
        for key in ("region", "expect_doc"):
            if out[key] is None:
                del out[key]
        return out

    @property
    def doc_anchors(self) -> list[dict]:
        """Anchors that name their document ({"doc", "text"}); the gold is resolved from them."""
        return [a for a in self.anchors if isinstance(a, dict)]


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
    if obj["type"] not in TYPES + LIBRARY_TYPES:
        raise BadInput(f"{where}: type {obj['type']!r} is not one of {', '.join(TYPES + LIBRARY_TYPES)}")
    for key in ("facts", "gold"):
        if not isinstance(obj.get(key, []), list) or not all(isinstance(x, str) for x in obj.get(key, [])):
            raise BadInput(f"{where}: {key} must be a list of strings")
    anchors = obj["anchors"]
    if not isinstance(anchors, list) or not all(
            isinstance(a, str) or (isinstance(a, dict) and isinstance(a.get("doc"), str) and isinstance(a.get("text"), str))
            for a in anchors):
        raise BadInput(f'{where}: anchors must be a list of strings or of {{"doc": ..., "text": ...}} objects')
    if "gold" not in obj and any(isinstance(a, str) for a in anchors):
        raise BadInput(f"{where}: missing field(s) gold (anchors without a document need gold clause ids)")
    for key in ("region", "expect_doc"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise BadInput(f"{where}: {key} must be a string or null")
    split = obj.get("split") or ""
    if split and split not in SPLITS:
        raise BadInput(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}")
    return Question(id=str(obj["id"]), question=obj["question"], persona=obj["persona"], type=obj["type"],
                    anchors=list(anchors), facts=list(obj["facts"]), gold=list(obj.get("gold", [])),
                    chapter=obj.get("chapter"), region=obj.get("region") or None, expect_doc=obj.get("expect_doc") or None,
                    split=split, variant=obj.get("variant", ""), variant_of=str(obj.get("variant_of", "")),
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
