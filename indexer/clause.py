"""Plain data for documents and the clauses they are cut into."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

KINDS = ("preamble", "paragraph", "column_item", "table_row")


@dataclass
class Document:
    """A cleaned document: `text` is what clause offsets point into."""

    doc_id: str
    title: str
    text: str
    meta: dict = field(default_factory=dict)


@dataclass
class Clause:
    clause_id: str
    doc_id: str
    doc_title: str
    path: list[str]
    kind: str
    text: str
    start: int
    end: int
    # Lead phrase for display ("实行贫困人口分类救治"), empty when the clause has none.
    title: str = ""
    # Controlled-vocabulary tags ("situation:低保对象", "topic:医疗"), set at index time.
    tags: list[str] = field(default_factory=list)
    # The article the clause is (part of): "第十五条", "" outside articles.
    article: str = ""
    # Documents the text refers to: 《…》 titles and 文号 (国发〔2016〕64号), in order of appearance.
    refs: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> "Clause":
        return cls(**{k: obj[k] for k in cls.__dataclass_fields__ if k in obj})

    @property
    def heading(self) -> str:
        """The path as one line: 第六章 健康扶贫 › 第二节 提高医疗保障水平."""
        return " › ".join(self.path)
