"""Which documents a question is about: editions, regions and named documents (issue 10).

Pure functions over the question's analysis, the hits and the document records; the engine calls
`scope_for` once per question and `apply_scope` on the ranking. Nothing here is keyed to a document:
regions come from indexer/vocab (regions.tsv, cities.tsv), documents from their records.
"""
from __future__ import annotations

from indexer.regions import NATIONAL, Regions


def document_region(record: dict, regions: Regions) -> str:
    """A document's region: its record's `region` when the record states one, else the province its title
    opens with (辽宁省“十三五”脱贫攻坚规划 → 辽宁省), else national."""
    stated = record.get("region")
    if stated:
        return regions.canonical(stated) or stated
    title = (record.get("title") or "").strip()
    for region in regions.find(title[:12]):
        if title.startswith(region.name) or any(title.startswith(s) for s in region.short):
            return region.province
    return NATIONAL
