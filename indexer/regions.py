"""Region names: provinces (indexer/vocab/regions.tsv) and prefecture-level cities (cities.tsv), with the
short forms people write.

A document's region is "全国" (national) or a province's full name ("辽宁省", "重庆市"); a question or a
user names one in any form ("我在重庆", "浙江的低保", "沈阳"). `Regions.find` reads the names in a text,
`Regions.canonical` maps any form to the full name, `Regions.province_of` a city to its province.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .normalize import normalize
from .records import NATIONAL

VOCAB_DIR = Path(__file__).parent / "vocab"
REGIONS_FILE = VOCAB_DIR / "regions.tsv"   # province full name<TAB>short forms
CITIES_FILE = VOCAB_DIR / "cities.tsv"     # city full name<TAB>short forms<TAB>province
PROVINCIAL, CITY = "省级", "市级"


@dataclass(frozen=True)
class Region:
    name: str                  # the full name: 辽宁省, 重庆市, 沈阳市
    level: str                 # 省级 | 市级
    short: tuple[str, ...]     # short forms: 辽宁, 沈阳
    province: str              # the province a city lies in; a province's own name


class Regions:
    def __init__(self, regions: list[Region]) -> None:
        self.by_name = {r.name: r for r in regions}
        forms: dict[str, Region] = {}
        for r in regions:
            for form in (r.name, *r.short):
                forms.setdefault(normalize(form), r)
        # longest form first, so that 内蒙古自治区 wins over 内蒙古 and 黔西南 over 黔南
        self.forms = sorted(forms.items(), key=lambda kv: (-len(kv[0]), kv[0]))

    def find(self, text: str) -> list[Region]:
        """The regions a text names, in order of appearance, each once; overlapping names give way to longer ones."""
        norm = normalize(text)
        taken = [False] * len(norm)
        found: list[tuple[int, Region]] = []
        for form, region in self.forms:
            start = norm.find(form)
            while start >= 0:
                end = start + len(form)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    found.append((start, region))
                start = norm.find(form, end)
        out: list[Region] = []
        for _, region in sorted(found, key=lambda x: x[0]):
            if region not in out:
                out.append(region)
        return out

    def canonical(self, name: str | None) -> str | None:
        """'辽宁' / '辽宁省' / ' 重庆 ' → the full name; '全国' stays; None when unknown."""
        if not name or not name.strip():
            return None
        norm = normalize(name.strip())
        if norm in (NATIONAL, "国家", "中央"):
            return NATIONAL
        for form, region in self.forms:
            if form == norm:
                return region.name
        return None

    def province_of(self, name: str | None) -> str | None:
        """The province of a region's full name (a province is its own); None for 全国 or unknown."""
        region = self.by_name.get(name or "")
        return region.province if region else None

    def provinces(self) -> list[Region]:
        return [r for r in self.by_name.values() if r.level == PROVINCIAL]


def _rows(path: Path):
    if not Path(path).exists():
        return
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            yield [p.strip() for p in raw.split("\t")] + ["", ""]


def _forms(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in cell.split("|") if s.strip())


def load_regions(provinces: Path = REGIONS_FILE, cities: Path = CITIES_FILE) -> Regions:
    regions = [Region(row[0], PROVINCIAL, _forms(row[1]), row[0]) for row in _rows(provinces) if row[0]]
    known = {r.name for r in regions}
    regions += [Region(row[0], CITY, _forms(row[1]), row[2]) for row in _rows(cities)
                if row[0] and row[2] in known and row[0] not in known]
    return Regions(regions)


@functools.lru_cache(maxsize=1)
def default_regions() -> Regions:
    return load_regions()
