"""Which documents a question is about: editions, regions and named documents (issue 10).

Pure functions over the question, the document records and the hits; the engine calls `scope_for` once
per question and `apply_scope` on the ranking. Nothing here is keyed to a document: region names come
from indexer/vocab (regions.tsv, cities.tsv), edition cues from indexer/vocab/editions.tsv, documents
from their records (KnowledgeBase.documents()).

- Editions: of the editions of one work in the library, the current one answers; an older one only when
  the question asks for it (修订前, 原来的 — the one before the current; "2016年版", or a year before the
  current edition with the work named — the one in force then). Editions not chosen are left out.
- Regions: the asker's region is the one the question names (我在重庆, 浙江的低保), else the one the user
  set. Other provinces' documents are left out (national ones stay); the region's own documents lead
  when they rank among the first REGION_WINDOW. With no region known, national rules (which apply
  everywhere) come a little before a province's own among the first REGION_WINDOW.
- Documents: a document the question names (《社会救助暂行办法》, 慈善法) leads; the user may restrict to
  documents (`doc_ids`: ids or titles) and kinds (法律, 地方性法规 …).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from indexer.normalize import normalize
from indexer.regions import CITY, NATIONAL, Regions

CUES_FILE = Path(__file__).resolve().parent.parent / "indexer" / "vocab" / "editions.tsv"
CURRENT, REVISED = "现行有效", "已被修订"
NAMED_BOOST = 1.0     # share of the best score added to every hit of a document the question names
LEADING_BOOST = 0.25  # … and, when editions are compared, to the current edition's
REGION_BOOST = 0.5    # … and to hits of the asker's region among the first REGION_WINDOW
REGION_WINDOW = 10
NATIONAL_BOOST = 0.2  # no region known: national documents among the first REGION_WINDOW, over provinces' own rules
_NAME_END = re.compile(r"(法|条例|办法|规定|规划|意见|通知|决定|细则|方案|纲要|规则|实施办法)$")
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\)?$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=\s*年)")


@dataclass(frozen=True)
class DocInfo:
    """What scoping needs of one document, from its record (or, for an index without records, from its
    title and file name)."""

    doc_id: str
    title: str
    region: str            # 全国 or a province's full name
    kind: str
    work: str              # shared by the editions of one document
    version: str           # the date this edition is of ('' unknown)
    status: str            # 现行有效 | 已被修订 | 已废止 | 尚未施行
    edition: str           # 2016年版, 2023年修正
    names: tuple[str, ...]  # how a question may name it, normalised: 中华人民共和国慈善法, 慈善法
    locality: str = ""     # a city's (or county's) own document: that city (青岛市), else ""

    @property
    def label(self) -> str:
        """'2016年版，已被修订' — what an answer from an older edition says of it."""
        return "，".join(x for x in (self.edition, self.status) if x)


@dataclass
class Scope:
    allowed: frozenset[str] | None = None        # doc ids the answer may come from; None = all
    named: tuple[str, ...] = ()                  # documents the question names (editions chosen)
    provinces: tuple[str, ...] = ()              # the asker's province(s)
    regional: frozenset[str] = frozenset()       # documents of those provinces
    older: dict[str, str] = field(default_factory=dict)   # an older edition asked for → its label
    unheld: dict[str, int] = field(default_factory=dict)  # an edition asked for that is not held: the one answering → the year asked
    leading: frozenset[str] = frozenset()        # comparing editions: the current ones, ahead of the older
    national: frozenset[str] = frozenset()       # no region known: the national documents, ahead of provinces'

    @property
    def trivial(self) -> bool:
        return (self.allowed is None and not self.named and not self.regional and not self.leading and not self.national
                and not self.unheld)

    def to_json(self) -> dict:
        return {"named": list(self.named), "provinces": list(self.provinces), "older": dict(self.older),
                "unheld": dict(self.unheld),
                "national_first": bool(self.national),
                "documents": None if self.allowed is None else sorted(self.allowed)}


# --- documents -----------------------------------------------------------------------------------
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


def document_locality(record: dict, regions: Regions) -> str:
    """The city a document is a city's own rule for: its record's `locality`, else a city its title opens with
    (青岛市残疾人保障条例 → 青岛市); "" for a province's or the nation's."""
    if record.get("locality"):
        return regions.canonical(record["locality"]) or record["locality"]
    title = (record.get("title") or "").strip()
    for region in regions.find(title[:12]):
        if region.level == CITY and (title.startswith(region.name) or any(title.startswith(s) for s in region.short)):
            return region.name
    return ""


def _file_date(name: str | None) -> str:
    m = _FILE_DATE.search(Path(name or "").stem)
    return "-".join(m.groups()) if m else ""


def bare_title(title: str) -> str:
    """The title without edition marks: '中华人民共和国慈善法（2016年版）' → '中华人民共和国慈善法'."""
    return re.sub(r"[（(][^（）()]*(修订|修正|修改|年版|试行|草案)[^（）()]*[)）]\s*$", "", title.strip()).strip()


# words of titles that people shorten when they name a document (applied in this order, each on the names so far)
_SPOKEN_TITLE_WORDS = (("低保", "最低生活保障"), ("低保", "居民低保"), ("低保", "城乡低保"),
                       ("办法", "暂行办法"), ("条例", "暂行条例"), ("办法", "试行办法"), ("脱贫规划", "脱贫攻坚规划"),
                       ("扶贫条例", "扶贫开发条例"))
# a plan period in quotes (“十三五”), which people leave out when they name the plan
_PERIOD_MARK = re.compile(r"[“\"]?十[一二三四五六七八九]五[”\"]?(?:时期)?")


def document_names(title: str, region: str, regions: Regions) -> tuple[str, ...]:
    """Ways a question names a document: its title, without 中华人民共和国, with its region's short form."""
    title = normalize(bare_title(title))
    names = [title]
    if title.startswith("中华人民共和国"):
        names.append(title[len("中华人民共和国"):])
    # as people say them: 城市居民最低生活保障条例 → 城市低保条例, 社会救助暂行办法 → 社会救助办法,
    # 辽宁省“十三五”脱贫攻坚规划 → 辽宁省脱贫规划
    names += [_PERIOD_MARK.sub("", n) for n in names if _PERIOD_MARK.search(n)]
    for short, long in _SPOKEN_TITLE_WORDS:
        names += [n.replace(long, short) for n in names if long in n]
    # with the region's short form, and with 的 after it: 重庆低保条例, 辽宁的脱贫规划
    reg = regions.by_name.get(region)
    if reg is not None:
        local = [n[len(reg.name):] for n in names if n.startswith(reg.name)]
        names += [short + sep + rest for short in (reg.name, *reg.short) for sep in ("", "的") for rest in local]
    return tuple(n for n in dict.fromkeys(names) if len(n) >= 3 and _NAME_END.search(n))


def library_of(documents: list[dict], regions: Regions) -> dict[str, DocInfo]:
    """doc_id → DocInfo for every indexed document. Where records give no status, the editions of one work
    (same title without edition marks) are told apart by the date in their file name: the newest is current."""
    rows = []
    for d in documents:
        region = document_region(d, regions)
        title = d.get("title") or d["doc_id"]
        version = d.get("version") or max([x for x in (d.get("issued"), d.get("revised"), _file_date(d.get("file")))
                                          if x], default="")
        rows.append(dict(doc_id=d["doc_id"], title=title, region=region, kind=d.get("kind") or "",
                         work=d.get("work") or normalize(bare_title(title)), version=version or "",
                         status=d.get("status") or "", edition=d.get("edition") or (f"{version[:4]}年版" if version else ""),
                         names=document_names(title, region, regions), locality=document_locality(d, regions)))
    by_work: dict[str, list[dict]] = {}
    for row in rows:
        by_work.setdefault(row["work"], []).append(row)
    for editions in by_work.values():
        newest = max(editions, key=lambda r: (r["version"], r["doc_id"]))
        for row in editions:
            row["status"] = row["status"] or (CURRENT if row is newest else REVISED)
    return {row["doc_id"]: DocInfo(**row) for row in rows}


def works(library: dict[str, DocInfo]) -> dict[str, list[DocInfo]]:
    """work → its editions in the library, oldest first."""
    out: dict[str, list[DocInfo]] = {}
    for info in library.values():
        out.setdefault(info.work, []).append(info)
    for editions in out.values():
        editions.sort(key=lambda i: (i.version, i.doc_id))
    return out


def current_edition(editions: list[DocInfo]) -> DocInfo:
    in_force = [e for e in editions if e.status == CURRENT]
    return (in_force or editions)[-1]


# --- the question --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def load_cues(path: Path = CUES_FILE) -> dict[str, tuple[str, ...]]:
    cues: dict[str, tuple[str, ...]] = {}
    if Path(path).exists():
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#") and "\t" in raw:
                kind, words = raw.split("\t", 1)
                cues[kind.strip()] = tuple(normalize(w.strip()) for w in words.split("|") if w.strip())
    return cues


# a year written inside a document's name (上海2018年的社会救助条例): the name is still the name
_YEAR_INSIDE = re.compile(r"(?:19|20)\d\d\s*年\s*(?:的|版|修订|修正|修改)?")


# the words before a document's name that say which edition or who issued it: 1994年国务院发布的那版《…》
_NAMING = (r"(?:(?:19|20)\d\d\s*年|国务院|全国人大常委会|全国人大|全国人民代表大会常务委员会|全国人民代表大会|民政部"
           r"|[\u4e00-\u9fff]{2,6}?人民政府|发布|颁布|制定|出台|通过|印发|修订|修正|修改|后|旧|新|原|那|版|的|\s)*")


def without_names(normalized: str, named: list[DocInfo]) -> str | None:
    """The question without the names of the documents it names, nor the edition and issuer words written
    before them (按1999年国务院的《…》, 上海2018年的社会救助条例 → the rest); None when it does not name every one
    of `named`, or nothing is asked beyond the names."""
    if not named:
        return None
    text = normalized
    if not all(any(n in text for n in info.names) for info in named):
        text = _YEAR_INSIDE.sub("", normalized)
        if not all(any(n in text for n in info.names) for info in named):
            return None
    for name in sorted({n for info in named for n in info.names if n in text}, key=len, reverse=True):
        text = re.sub(rf"{_NAMING}[《〈“\"]?\s*{re.escape(name)}", " ", text)
    text = re.sub(r"[《》〈〉“”\"]", " ", text)
    return text if len(re.findall(r"[\u4e00-\u9fff]", text)) >= 2 else None


# a question that also asks of documents it does not name: 国家条例和辽宁脱贫规划分别…
_OTHER_DOCUMENTS = re.compile(r"(国家|中央|全国|省里|省级|其他|别的|另外|各地)的?[^，,。？?\s]{0,6}?(条例|法律|法规|办法|规定|政策|文件)")


def asks_other_documents(normalized: str, named: list[DocInfo]) -> bool:
    """Whether the question, its named documents' names left out, speaks of other documents too."""
    text = normalized
    for name in sorted({n for info in named for n in info.names}, key=len, reverse=True):
        text = text.replace(name, " ")
    return bool(_OTHER_DOCUMENTS.search(text))


def regional_kinds(library: dict[str, DocInfo], regions: Regions) -> dict[str, frozenset[str]]:
    """A regional document's name without its region (社会救助条例, 脱贫攻坚规划) → the regions holding one."""
    out: dict[str, set[str]] = {}
    for info in library.values():
        for local in _local_names(info, regions):
            out.setdefault(local, set()).add(info.region)
    return {local: frozenset(held) for local, held in out.items()}


def unheld_regional_documents(normalized: str, kinds: dict[str, frozenset[str]], regions: Regions) -> list[str]:
    """Another region's document of a kind the collection holds for its own region only (`kinds`: `regional_kinds`):
    吉林的脱贫攻坚规划 when only 辽宁's plan is held, 江苏省社会救助条例 when only 浙江's and 上海's are. The region must
    stand right before the name (吉林的…, 江苏省…), and lie outside the regions holding one (杭州的社会救助条例 is 浙江's)."""
    text = _PERIOD_MARK.sub("", normalized)   # 吉林的十三五脱贫攻坚规划 → 吉林的脱贫攻坚规划
    out: list[str] = []
    for local in sorted((k for k in kinds if k in text), key=len, reverse=True):
        for m in re.finditer(re.escape(local), text):
            before = text[:m.start()].removesuffix("的")
            form, region = next(((f, r) for f, r in regions.forms if before.endswith(f)), (None, None))
            if region is None or region.name in kinds[local] or region.province in kinds[local]:
                continue
            name = f"《{form}{local}》"
            if not any(name[1:-1] in o for o in out):
                out.append(name)
    return out


def _local_names(info: DocInfo, regions: Regions) -> set[str]:
    """A regional document's names without its region (社会救助条例, 脱贫攻坚规划): how another region's would be named."""
    reg = regions.by_name.get(info.region)
    if reg is None:
        return set()
    forms = sorted({reg.name, *reg.short}, key=len, reverse=True)
    out = set()
    for n in info.names:
        form = next((f for f in forms if n.startswith(f)), None)
        if form is not None:
            local = n[len(form):].removeprefix("的")
            if len(local) >= 4 and _NAME_END.search(local):
                out.add(local)
    return out


def named_documents(normalized: str, library: dict[str, DocInfo]) -> list[DocInfo]:
    """Documents whose name the question contains (a year written inside it aside), every edition of a
    named work."""
    bare = _YEAR_INSIDE.sub("", normalized)
    named_works = {info.work for info in library.values() if any(n in normalized or n in bare for n in info.names)}
    return [info for info in library.values() if info.work in named_works]


def asked_years(normalized: str, cues: dict[str, tuple[str, ...]]) -> tuple[list[int], list[int]]:
    """(years naming an edition or a time in force: '2016年版', '2019年的时候'; every year named)."""
    dated, every = [], []
    for m in _YEAR.finditer(normalized):
        year = int(m.group(1))
        every.append(year)
        after = normalized[m.end():m.end() + 6]
        if any(after.startswith(c) for c in cues.get("dated", ())):
            dated.append(year)
    return dated, every


def comparing(normalized: str, cues: dict[str, tuple[str, ...]]) -> bool:
    """Whether the question compares editions (修改以后…跟原来比有什么变化)."""
    return any(c in normalized for c in cues.get("compare", ()))


def choose_edition(editions: list[DocInfo], normalized: str, named: bool, others_named: bool,
                   cues: dict[str, tuple[str, ...]]) -> DocInfo:
    """The edition a question wants of one work: the current one unless it asks for an older one.

    `named`: the question names this work (then a bare year before the current edition asks for the one in
    force that year); `others_named`: it names other works only (then its edition cues are about those).
    A question comparing editions is answered from the current one first."""
    current = current_edition(editions)
    if len(editions) < 2 or (others_named and not named) or comparing(normalized, cues):
        return current
    older = [e for e in editions if (e.version, e.doc_id) < (current.version, current.doc_id)]
    dated, every = asked_years(normalized, cues)
    years = dated or (every if named else [])
    if years and current.version and min(years) < int(current.version[:4]):
        year = min(years)
        then = [e for e in editions if e.version and int(e.version[:4]) <= year]
        return then[-1] if then else editions[0]
    if older and any(c in normalized for c in cues.get("older", ())):
        return older[-1]
    return current


def unheld_year(editions: list[DocInfo], normalized: str, cues: dict[str, tuple[str, ...]]) -> int | None:
    """The year of an edition the question asks for that is older than every edition held: a year naming an
    edition (1994年版, 1994年施行的) or written just before the work's name (1994年国务院发布的那版《农村五保
    供养工作条例》) when the oldest edition held is of 2006. None when the question asks for no such year."""
    held = [int(e.version[:4]) for e in editions if e.version]
    if not held:
        return None
    names = {n for e in editions for n in e.names}
    dated, _ = asked_years(normalized, cues)
    naming = [int(m.group(1)) for m in _YEAR.finditer(normalized)
              if any(n in re.split(r"[，,。；;？?！!]", normalized[m.end():m.end() + 30])[0] for n in names)]
    years = [y for y in dated + naming if y < min(held)]
    return min(years) if years else None


def edition_choice(library: dict[str, DocInfo], normalized: str, named_works: set[str],
                   cues: dict[str, tuple[str, ...]]) -> tuple[set[str], dict[str, str], dict[str, int]]:
    """(editions left out, older editions asked for → their label, editions answering for an edition asked
    for that is not held → the year asked). A question comparing editions keeps the ones before the current
    edition of the works it is about."""
    compare = comparing(normalized, cues)
    left_out: set[str] = set()
    older: dict[str, str] = {}
    unheld: dict[str, int] = {}
    for work, editions in works(library).items():
        chosen = choose_edition(editions, normalized, work in named_works, bool(named_works), cues)
        if chosen is not current_edition(editions):
            older[chosen.doc_id] = chosen.label
        year = unheld_year(editions, normalized, cues) if work in named_works else None
        if year is not None:
            unheld[chosen.doc_id] = year
        kept = {chosen.doc_id}
        if compare and (work in named_works or not named_works):
            kept |= {e.doc_id for e in editions if (e.version, e.doc_id) < (chosen.version, chosen.doc_id)}
        left_out |= {e.doc_id for e in editions if e.doc_id not in kept}
    return left_out, older, unheld


def asker_places(normalized: str, regions: Regions, region: str | None) -> list:
    """Where the asker is: the regions the question names, else the user's region."""
    found = regions.find(normalized)
    if not found and region:
        home = regions.canonical(region)
        found = [regions.by_name[home]] if home in regions.by_name else []
    return found


def scope_for(question: str, library: dict[str, DocInfo], regions: Regions, region: str | None = None,
              doc_ids: list[str] | None = None, kinds: list[str] | None = None,
              cues: dict[str, tuple[str, ...]] | None = None, places: list[str] = ()) -> Scope:
    """The documents a question may be answered from, and those that should lead. `places`: place names
    the question's analysis found (a place we cannot put in a province still says the asker is somewhere)."""
    if len(library) < 2 and not doc_ids and not kinds:
        return Scope()
    cues = load_cues() if cues is None else cues
    norm = normalize(question)
    named_infos = named_documents(norm, library)
    left_out, older, unheld = edition_choice(library, norm, {i.work for i in named_infos}, cues)
    allowed = set(library) - left_out
    current_ids = {current_edition(e).doc_id for e in works(library).values()}
    named = tuple(i.doc_id for i in named_infos if i.doc_id in allowed)
    leading = frozenset(d for d in named if d in current_ids) if comparing(norm, cues) else frozenset()

    asker = asker_places(norm, regions, region)
    provinces = tuple(dict.fromkeys(r.province for r in asker))
    cities = {r.name for r in asker if r.level == CITY}
    if provinces:   # another province's rules, and another city's, do not apply to the asker
        allowed -= {d for d, i in library.items() if d not in named and (
            (i.region not in provinces and i.region != NATIONAL) or (cities and i.locality and i.locality not in cities))}
    if doc_ids:
        allowed &= {d for d in library if d in doc_ids or any(normalize(x) in library[d].names for x in doc_ids)}
    if kinds:
        allowed &= {d for d, i in library.items() if i.kind in kinds}
    # the asker's own: the province's rules, and a city's own rules only when the asker is in that city
    regional = frozenset(d for d in allowed if library[d].region in provinces
                         and (not library[d].locality or library[d].locality in cities))
    if regional == allowed:
        regional = frozenset()   # nothing else to lead over
    if set(named) == allowed and not leading:
        named = ()
    if named and asks_other_documents(norm, named_infos):
        named = ()   # 国家条例和辽宁脱贫规划分别…: searched and answered from every document, as if none were named
    national = frozenset()
    if not provinces and not places and any(library[d].region != NATIONAL for d in allowed):
        national = frozenset(d for d in allowed if library[d].region == NATIONAL)
    return Scope(allowed=None if allowed == set(library) else frozenset(allowed), named=named,
                 provinces=provinces, regional=regional, older=older, unheld=unheld, leading=leading,
                 national=national)


# --- the ranking ---------------------------------------------------------------------------------
def apply_scope(hits: list, scope: Scope) -> list:
    """Hits outside the scope left out; hits of named documents, then of the asker's region (among the first
    REGION_WINDOW), raised by a share of the best score; re-sorted (stable: ties keep their order), so that
    nothing but those raises changes the order the hits came in. When the
    question names several documents, each one's best hit comes first, in rank order, so that every document
    asked about is cited."""
    if scope.trivial:
        return hits
    kept = [h for h in hits if scope.allowed is None or h.clause.doc_id in scope.allowed]
    if not kept:
        return kept
    # the incoming order is the ranking (an aspect's best, interleaved second, may score above the overall
    # best: its score includes its aspect's tag bonus): scores are made to fall along it, so that only the
    # raises below reorder it
    floor = kept[0].score
    for hit in kept:
        floor = min(floor, hit.score)
        hit.score = floor
    best = kept[0].score
    named = set(scope.named)
    for rank, hit in enumerate(kept):
        if hit.clause.doc_id in named:
            hit.score += NAMED_BOOST * best + (LEADING_BOOST * best if hit.clause.doc_id in scope.leading else 0.0)
        elif hit.clause.doc_id in scope.regional and rank < REGION_WINDOW:
            hit.score += REGION_BOOST * best
        elif hit.clause.doc_id in scope.national and rank < REGION_WINDOW:
            hit.score += NATIONAL_BOOST * best
    kept.sort(key=lambda h: -h.score)
    if len(named) > 1:
        firsts = [next(h for h in kept if h.clause.doc_id == d) for d in dict.fromkeys(
            h.clause.doc_id for h in kept if h.clause.doc_id in named)]
        kept = firsts + [h for h in kept if not any(h is f for f in firsts)]
    return kept


def named_only(hits: list, scope: Scope) -> list:
    """The hits of the documents the question names, when it names some and they have any: a question put
    to 《社会救助暂行办法》 is answered from it, not also from another law's clause that matched its words."""
    if not scope.named:
        return hits
    return [h for h in hits if h.clause.doc_id in scope.named] or hits


def keep_scope_lead(ranked: list, reordered: list, scope: Scope) -> list:
    """`reordered` (the hits as the answer will use them, e.g. need-first) with the scope's lead kept: when
    the ranking led with a named document's or the asker's region's clause and the reordering put another
    document first, the first of its clauses from such a document goes back to the front, as it was ranked
    (a reordering may have marked it as merely related)."""
    preferred = set(scope.named) | set(scope.regional)
    if not preferred or not ranked or not reordered or ranked[0].clause.doc_id not in preferred:
        return reordered
    if reordered[0].clause.doc_id in preferred:
        return reordered
    moved = next((h for h in reordered if h.clause.doc_id in preferred), None)
    if moved is None:
        return reordered
    lead = next((h for h in ranked if h.clause.clause_id == moved.clause.clause_id), moved)
    return [lead] + [h for h in reordered if h is not moved]


def unheld_statement(scope: Scope, library: dict[str, DocInfo]) -> str:
    """What a partial answer says when the edition asked for is not held: which one answers instead."""
    doc_id, year = next(iter(scope.unheld.items()))
    info = library[doc_id]
    held = info.edition or (f"{info.version[:4]}年版" if info.version else "现有版本")
    return f"文件库没有收录《{info.title}》{year}年的版本，以下依据的是现有的{held}文本，内容可能不同"


def edition_note(doc_id: str, scope: Scope, library: dict[str, DocInfo]) -> str:
    """'依据《中华人民共和国慈善法》（2016年版，已被修订）：' when the answer comes from an older edition asked for."""
    label = scope.older.get(doc_id)
    if not label:
        return ""
    return f"依据《{library[doc_id].title}》（{label}）："
