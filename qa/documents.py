"""What a citation says about its document: which one, which article, which edition, in force or not.

Presenters (CLI, UI, API) show `label` and `document` as given; they never compute them.
"""
from __future__ import annotations

from indexer.records import DocumentRecord, ReferenceResolver, is_document_reference

from .types import Citation

CARD_KEYS = ("title", "doc_number", "issuer", "kind", "region", "edition", "status")


def document_card(record: dict) -> dict:
    """The part of a document's record a citation carries."""
    return {k: record.get(k) for k in CARD_KEYS}


def citation_label(title: str, article: str, card: dict) -> str:
    """'《社会救助暂行办法》第十一条 · 国务院令第649号 · 现行有效': the 文号, or lacking one the edition."""
    parts = [f"《{title}》{article}"]
    if card.get("doc_number") or card.get("edition"):
        parts.append(card.get("doc_number") or card["edition"])
    if card.get("status"):
        parts.append(card["status"])
    return " · ".join(parts)


class Library:
    """The records of the indexed documents, for labelling citations and resolving their references."""

    def __init__(self, documents: list[dict]) -> None:
        self.cards = {d["doc_id"]: document_card(d) for d in documents}
        self.resolver = ReferenceResolver([DocumentRecord.from_json(d) for d in documents])

    def describe(self, citations: list[Citation]) -> None:
        """Fill each citation's `document`, `label` and resolved `refs` (in place)."""
        for citation in citations:
            clause = citation.clause
            card = self.cards.get(clause.doc_id) or {"title": clause.doc_title}
            citation.document = card
            citation.label = citation_label(card.get("title") or clause.doc_title, clause.article, card)
            citation.refs = self.references(clause.refs)

    def references(self, refs: list[str]) -> list[dict]:
        """[{"ref": "社会救助暂行办法", "doc_id": "…" or None}] for the document-like refs of a clause."""
        out = []
        for ref in refs:
            if is_document_reference(ref):
                target = self.resolver.resolve(ref)
                out.append({"ref": ref, "doc_id": target.doc_id if target else None})
        return out
