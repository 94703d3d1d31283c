"""Documents as records: who issued a document, when, what kind it is, where it applies, which edition.

Everything comes from the text itself — the header of the LawRefBook Markdown layout (title, sub-title,
"date event" history lines before `<!-- INFO END -->`), a web copy's page header, the body's
"本条例自…起施行" — or from options given when the document was added, which win. Editions of one
work (same title without edition marks) are linked by `link_editions`: the newest in force is current,
older ones are marked as revised, never dropped.
"""
from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

VOCAB_DIR = Path(__file__).parent / "vocab"
INFO_END = "<!-- INFO END -->"

KINDS = ("法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "司法解释", "规划", "通知", "意见", "办法", "其他")
LEVELS = ("国家", "省级", "市级", "县级")
STATUSES = ("现行有效", "已被修订", "已废止", "尚未施行")
NATIONAL = "全国"


@dataclass
class DocumentRecord:
    doc_id: str
    title: str
    issuer: str | None = None
    doc_number: str | None = None       # 文号: 国务院令第649号, 国发〔2016〕64号
    kind: str = "其他"
    level: str | None = None            # 国家 | 省级 | 市级 | 县级
    region: str | None = None           # 全国, or a province's full name (辽宁省)
    issued: str | None = None           # promulgated (or adopted) — YYYY-MM-DD
    revised: str | None = None          # the latest revision the text states
    effective: str | None = None        # in force from
    edition: str = ""                   # 2023年修正 · 2016年版
    status: str = "现行有效"
    work: str = ""                      # shared by every edition of one document
    supersedes: str | None = None
    superseded_by: str | None = None
    history: list[dict] = field(default_factory=list)  # [{"date": "2014-02-21", "event": "…公布"}]
    source: str | None = None
    file: str | None = None
    subtitle: str = ""
    locality: str | None = None         # the city or county below the province, for 市级/县级 documents
    version: str | None = None          # the date this edition is of (orders editions)
    references: list[dict] = field(default_factory=list)  # [{"ref": "社会救助暂行办法", "doc_id": …}] found in the library
    missing_refs: list[str] = field(default_factory=list)  # documents it refers to that the library lacks

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> "DocumentRecord":
        return cls(**{k: obj[k] for k in cls.__dataclass_fields__ if k in obj})


# --- the LawRefBook header --------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# 文号: 国发〔2016〕64号, 法释〔2021〕11号, 劳社部发[2008]3号
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*(?:19|20)\d\d\s*[〕\]］)）]\s*第?\d{1,4}号")
_DOC_NUMBER_LINE = re.compile(rf"^{DOC_NUMBER.pattern}$")
# a 文号 inside running text: the issuer's abbreviation is short (国发, 辽委发, 民发) — 1 to 6 characters
DOC_NUMBER_REF = re.compile(r"[\u4e00-\u9fff]{1,6}[〔\[［]\s*(?:19|20)\d\d\s*[〕\]］]\s*第?\d{1,4}号")


_TITLE_REF = re.compile(r"《([^《》]{2,80})》")


_REF_LEAD = re.compile(r"^(?:根据|依照|按照|依据|参照|执行|详见|见|和|及|与|以及|或者|或|的|文件|印发)+(?=[\u4e00-\u9fff])")


def references_in(text: str) -> list[str]:
    """Documents a text refers to, in order, each once: 《…》 titles (inner 〈〉 read as 《》) and 文号."""
    found: list[str] = []
    for m in _TITLE_REF.finditer(text):
        found.append(m.group(1).replace("〈", "《").replace("〉", "》"))
    # the abbreviation cannot be told from a word before it by characters alone: drop the connecting words
    found.extend(_REF_LEAD.sub("", m.group(0)) for m in DOC_NUMBER_REF.finditer(text))
    return list(dict.fromkeys(found))


def iso_date(year: str, month: str, day: str) -> str | None:
    try:
        return _dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def split_header(raw: str) -> tuple[dict | None, str]:
    """({"title", "subtitle", "history", "doc_number"}, body) for a text with a LawRefBook header, else
    (None, raw). The body keeps everything after `<!-- INFO END -->` except leading repeats of the title."""
    at = raw.find(INFO_END)
    if at < 0:
        return None, raw
    head_lines = [line.strip(" \t\u3000\u00a0") for line in raw[:at].splitlines()]
    body = raw[at + len(INFO_END):]
    titles: list[str] = []
    loose: list[str] = []           # lines before the history that are not '#' titles
    events: list[dict] = []
    doc_number = None
    for line in head_lines:
        if not line:
            continue
        if line.startswith("#"):
            titles.append(line.lstrip("#").strip())
            continue
        if _DOC_NUMBER_LINE.match(line.replace(" ", "")):
            doc_number = doc_number or line.replace(" ", "")
            continue
        dates = list(_DATE.finditer(line))
        if not dates or dates[0].start() > 4:   # "根据 2018年…" still starts with its date
            if events:
                events[-1]["event"] = clean_event(events[-1]["event"] + line)
            else:
                loose.append(line)
            continue
        for m, nxt in zip(dates, dates[1:] + [None]):
            date = iso_date(*m.groups())
            if date:
                events.append({"date": date, "event": clean_event(line[m.end(): nxt.start() if nxt else len(line)])})
    if not titles and loose:          # a plain-text copy: the first line is the title
        titles.append(loose.pop(0))
    header = {"title": titles[0] if titles else "", "subtitle": titles[1] if len(titles) > 1 else "",
              "history": events, "doc_number": doc_number, "lines": loose}
    return header, _drop_repeated_title(body, titles + ["".join(loose)])


def _drop_repeated_title(body: str, titles: list[str]) -> str:
    """A body that opens by repeating the title (中华人民共和国慈善法) does not make it a clause."""
    names = {re.sub(r"\s+", "", t) for t in titles if t}
    lines = body.split("\n")
    for n, line in enumerate(lines):
        bare = re.sub(r"\s+", "", line.lstrip("#"))
        if not bare:
            continue
        if bare in names:
            lines[n] = ""
            continue
        break
    return "\n".join(lines)


def clean_event(text: str) -> str:
    text = text.strip(" \t\u3000\u00a0")
    text = re.sub(r"^根据\s*", "", text)
    text = re.sub(r"\s*根据$", "", text)
    if text.endswith(("）", ")")) and text.count("（") + text.count("(") < text.count("）") + text.count(")"):
        text = text[:-1]            # "…修正）": a bracket left over from the printed edition note
    return re.sub(r"^[（(]", "", text).strip()


# --- events and issuers -------------------------------------------------------------------------------

def event_kind(event: str) -> str:
    """revised | promulgated | adopted | approved | effective | repealed | other, read outside 《…》."""
    bare = re.sub(r"《[^》]*》", "", event)
    if re.search(r"修正|修订|修改", bare):
        return "revised"
    if re.search(r"废止", bare):
        return "repealed"
    if re.search(r"公布|发布|印发", bare):
        return "promulgated"
    if re.search(r"批准", bare):
        return "approved"
    if re.search(r"通过", bare):
        return "adopted"
    if re.fullmatch(r"(起)?施行|开始施行|起施行", bare.strip()):
        return "effective"
    return "other"


_NATIONAL_PREFIX = re.compile(r"^中华人民共和国(?=\S)")
_SESSION = r"(?:第?[一二三四五六七八九十百\d]{1,4}届)?"


def _clean_body(name: str) -> str:
    parts = [_NATIONAL_PREFIX.sub("", p.strip()) for p in re.split(r"[、，,]", name) if p.strip()]
    return "、".join(parts)


def issuer_of(event: str) -> tuple[str | None, str | None]:
    """(issuing body, 文号) named by one history event: '中华人民共和国国务院令第649号公布' → ('国务院', '国务院令第649号')."""
    bare = unicodedata.normalize("NFKC", re.sub(r"《[^》]*》", "", event).strip())   # 第１２５号 → 第125号
    bare = re.sub(r"^经", "", bare)
    number = None
    m = re.search(r"([\u4e00-\u9fff、]+?)(令|公告)第?(\d+)号", bare) or re.search(r"([\u4e00-\u9fff、]+?)第(\d+)号(令)", bare)
    if m and not re.search(r"会议$", m.group(1)):
        body = _clean_body(re.sub(rf"{_SESSION}(人民代表大会常务委员会|人大常委会)$", r"\1", m.group(1)))
        body = _expand_congress(body)
        kind_word, n = (m.group(2), m.group(3)) if m.group(2) in ("令", "公告") else (m.group(3), m.group(2))
        number = f"{body}{kind_word}第{n}号"
        return body, number
    if re.search(r"全国人民代表大会常务委员会|全国人大常委会", bare):
        return "全国人民代表大会常务委员会", None
    if "全国人民代表大会" in bare:
        return "全国人民代表大会", None
    courts = [c for c in ("最高人民法院", "最高人民检察院") if c in bare]
    if courts:
        return "、".join(courts), None
    m = re.match(rf"^(.{{2,16}}?){_SESSION}(人民代表大会常务委员会|人大常委会|人民代表大会)", bare)
    if m and _PLACE_END.search(m.group(1)):
        body = "人民代表大会" if m.group(2) == "人民代表大会" else "人民代表大会常务委员会"
        return m.group(1) + body, None
    if re.match(r"^(中华人民共和国)?国务院", bare):
        return "国务院", None
    m = re.match(r"^(?:中华人民共和国)?([\u4e00-\u9fff、]{2,30}?)(?:第[^次]{1,6}次)?(?:(?:部长|主任|局长|署长|行长)办公会议|[部局委署行常]务会议|全体会议|会议)?(?:审议)?(公布|发布|印发|通过|批准)", bare)
    if m and not re.match(r"^第", m.group(1)):
        return _clean_body(m.group(1)), None
    return None, None


_PLACE_END = re.compile(r"(省|市|自治区|自治州|自治县|县|区|州|盟|旗|地区)$")


def _expand_congress(body: str) -> str:
    return body.replace("人大常委会", "人民代表大会常务委员会")


# --- places --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def provinces() -> dict[str, str]:
    """Every way of naming a province (full and short) → its full name."""
    names: dict[str, str] = {}
    for raw in (VOCAB_DIR / "regions.tsv").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        full, _, short = raw.partition("\t")
        names[full.strip()] = full.strip()
        for alias in short.split("|"):
            if alias.strip():
                names[alias.strip()] = full.strip()
    return names


@functools.lru_cache(maxsize=1)
def _province_names_longest_first() -> tuple[str, ...]:
    return tuple(sorted(provinces(), key=len, reverse=True))


def province_prefix(text: str) -> tuple[str, str] | None:
    """(full name, the words used) of the province a name or title opens with: '辽宁省人民政府' → ('辽宁省', '辽宁省')."""
    for name in _province_names_longest_first():
        if text.startswith(name):
            return provinces()[name], name
    return None


def province_at_start(text: str) -> str | None:
    """The province a name or title opens with: '上海市社会救助条例' → '上海市', '河南扶贫条例' → '河南省'."""
    found = province_prefix(text)
    return found[0] if found else None


_LOCALITY = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:自治州|自治县|地区|市|州|盟|县|旗|区))(?![市县区州旗场])"
                       r"(?=人民|第|[\u4e00-\u9fff]*?(?:委员会|政府|局|厅|办|部))")


def place_of_issuer(issuer: str) -> tuple[str | None, str | None, str | None]:
    """(region, level, locality) an issuing body's name states: '上海市人民代表大会常务委员会' → ('上海市', '省级', None)."""
    first = issuer.split("、")[0]
    found = province_prefix(first)
    province, rest = (found[0], first[len(found[1]):]) if found else (None, first)
    m = _LOCALITY.match(rest) if not rest.startswith(("国家", "中国", "中华", "全国")) else None
    if province and not m:
        return province, "省级", None
    if m:
        locality = m.group(1)
        level = "县级" if re.search(r"(县|旗|区)$", locality) and not locality.endswith("地区") else "市级"
        return province, level, locality
    return None, None, None


# --- the record -----------------------------------------------------------------------------------------

def issuer_class(issuer: str | None, title: str = "", approvers: tuple[str, ...] = ()) -> str:
    """The class of issuing body that decides a document's kind (rows of vocab/document_kinds.tsv)."""
    if not issuer:
        return "local" if province_at_start(title) else "*"
    if issuer.startswith("全国人民代表大会"):
        return "national_legislature"
    if issuer.startswith("国务院"):
        return "state_council"
    if issuer.startswith(("最高人民法院", "最高人民检察院")):
        return "judiciary"
    region, _level, _locality = place_of_issuer(issuer)
    local = region is not None or _locality is not None
    if "人民代表大会" in issuer:
        return "local_legislature" if local else "*"
    if re.search(r"人民政府(办公厅|办公室)?$", issuer.split("、")[0]):
        return "local_government" if local else "*"
    if local:
        return "local_department"
    return "state_council_approved" if any(a.startswith("国务院") for a in approvers) else "ministry"


@functools.lru_cache(maxsize=1)
def kind_rules() -> list[tuple[str, tuple[str, ...], str]]:
    rules = []
    for raw in (VOCAB_DIR / "document_kinds.tsv").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        cls, endings, kind = (part.strip() for part in raw.split("\t"))
        rules.append((cls, tuple(e for e in endings.split("|") if e), kind))
    return rules


def bare_title(title: str) -> str:
    """The title without edition marks: '（2016年修订）', '（试行）', '(草案)' and surrounding spaces."""
    t = re.sub(r"[（(][^）)]*(年|版|修订|修正|试行|暂行|草案)[^）)]*[）)]\s*$", "", title.strip())
    return re.sub(r"\s+", "", t)


def kind_of(issuer: str | None, title: str, approvers: tuple[str, ...] = ()) -> str:
    cls, name = issuer_class(issuer, title, approvers), bare_title(title)
    for rule_cls, endings, kind in kind_rules():
        if rule_cls not in ("*", cls):
            continue
        if endings == ("*",) or any(name.endswith(e) for e in endings):
            return kind
    return "其他"


def work_key(title: str) -> str:
    """What every edition of one document shares: the title without edition marks or the national prefix."""
    return _NATIONAL_PREFIX.sub("", bare_title(title))


_EFFECTIVE = re.compile(r"(本(?:法|条例|办法|规定|细则|规则|决定|规划|意见|通知|解释|准则|规范)[^。\n]{0,30}?)?自\s*"
                        r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|公布之日|发布之日|印发之日)\s*起\s*(?:施行|实施|执行|生效)")


def effective_in_text(body: str, issued: str | None) -> str | None:
    """The 'in force from' a body states: its own '本条例自X起施行' (the last one), else the last '自X起施行'."""
    own = [m for m in _EFFECTIVE.finditer(body) if m.group(1)]
    found = own or list(_EFFECTIVE.finditer(body))
    if not found:
        return None
    when = found[-1].group(2)
    m = _DATE.search(when)
    return iso_date(*m.groups()) if m else issued


def doc_number_in_text(body: str) -> str | None:
    """A 文号 standing on its own line near the top of a notice (国发〔2016〕64号)."""
    for line in body.split("\n")[:12]:
        line = line.strip().replace(" ", "")
        if _DOC_NUMBER_LINE.match(line):
            return line
    return None


def date_in_name(name: str) -> str | None:
    """The edition date a LawRefBook file name carries: '慈善法(2016-03-16).md', 'doc-2016-03-16.md'."""
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})\)?$", Path(name).stem)
    return iso_date(*m.groups()) if m else None


def _option_date(value) -> str | None:
    if not value:
        return None
    m = _ISO.match(str(value))
    if m:
        return iso_date(*m.groups())
    m = _DATE.search(str(value))
    return iso_date(*m.groups()) if m else None


def build_record(doc_id: str, title: str, body: str, meta: dict, file_name: str | None = None) -> DocumentRecord:
    """The record of one loaded document: `meta` holds what the document's options say (title, issuer,
    doc_number, date, kind, region, effective) beside what loading read (`header`, page meta)."""
    header = meta.get("header") or {}
    history = list(header.get("history") or [])
    issuer = doc_number = None
    for ev in history:                 # the original act: the first adoption or promulgation naming its body
        if event_kind(ev["event"]) in ("adopted", "promulgated", "other"):
            body_name, number = issuer_of(ev["event"])
            issuer = issuer or body_name
            doc_number = doc_number or number
    for ev in history:                 # else the body that revised it ("公安部令第127号修订发布")
        if issuer is None and event_kind(ev["event"]) == "revised":
            issuer = issuer_of(ev["event"])[0]
    approvers = tuple(a for a in (issuer_of(re.sub(r"^经", "", ev["event"]))[0] for ev in history
                                  if event_kind(ev["event"]) == "approved") if a)
    if issuer and re.match(r"^[省市县州](第?[一二三四五六七八九十]{1,4}届)?人民代表大会", issuer):
        place = province_at_start(title) or (_TITLE_LOCALITY.match(title) or [None, None])[1]
        issuer = (place + issuer.split("届")[-1]) if place else None   # "市十二届人大常委会": the title names the city
    issuer = (meta.get("issuer") or issuer
              or _issuer_in_notice_title(meta.get("page_title") or meta.get("notice_title") or title)
              or (approvers[0] if approvers else None))   # "国务院批准" alone: the approving body answers for it
    doc_number = meta.get("doc_number") or header.get("doc_number") or doc_number or doc_number_in_text(body)

    promulgated = [ev["date"] for ev in history if event_kind(ev["event"]) == "promulgated"]
    adopted = [ev["date"] for ev in history if event_kind(ev["event"]) == "adopted"]
    issued = _option_date(meta.get("date")) or (promulgated or adopted or [ev["date"] for ev in history] or [None])[0]
    if issued is None and meta.get("published"):
        issued = _option_date(meta["published"])
        history.append({"date": issued, "event": "网页发布（发布时间）"})
    revisions = [ev for ev in history if event_kind(ev["event"]) == "revised"]
    revised = revisions[-1]["date"] if revisions else None
    stated_effective = [ev["date"] for ev in history if event_kind(ev["event"]) == "effective"
                        or re.search(r"公布施行|发布施行", ev["event"])]
    effective = (_option_date(meta.get("effective")) or (stated_effective[-1] if stated_effective else None)
                 or effective_in_text(body, issued))

    version = max([d for d in (issued, revised, date_in_name(file_name or "")) if d], default=None)
    if revisions and revised == version:
        verb = "修订" if "修订" in re.sub(r"《[^》]*》", "", revisions[-1]["event"]) else "修正"
        edition = f"{revised[:4]}年{verb}"
    else:
        edition = f"{version[:4]}年版" if version else ""

    region, level, locality = (None, None, None)
    cls = issuer_class(issuer, title, approvers)
    if cls in ("national_legislature", "state_council", "judiciary", "ministry", "state_council_approved"):
        region, level = NATIONAL, "国家"
    elif issuer:
        region, level, locality = place_of_issuer(issuer)
    title_province = province_at_start(title)
    if region is None and title_province:
        region, level = title_province, level or "省级"
    if region is None and locality:    # a city's regulation: the province that approved it
        for approver in approvers:
            region = province_at_start(approver) or region
    if region is None and title.startswith("中华人民共和国"):
        region, level = NATIONAL, "国家"
    if meta.get("region"):
        region = provinces().get(meta["region"], meta["region"])
        level = meta.get("level") or ("国家" if region == NATIONAL else level or "省级")
    kind = meta.get("kind") or kind_of(issuer, title, approvers)

    return DocumentRecord(
        doc_id=doc_id, title=title, issuer=issuer, doc_number=doc_number, kind=kind, level=level, region=region,
        issued=issued, revised=revised, effective=effective, edition=meta.get("edition") or edition,
        work=work_key(title), history=history, source=meta.get("source"), file=file_name,
        subtitle=header.get("subtitle", ""), locality=locality, version=version)


_TITLE_LOCALITY = re.compile(r"^([\u4e00-\u9fff]{1,6}?(?:自治州|自治县|市|县))")


def _issuer_in_notice_title(title: str | None) -> str | None:
    """'辽宁省人民政府关于印发…的通知' → '辽宁省人民政府'."""
    m = re.match(r"^([\u4e00-\u9fff、]{2,30}?)关于", title or "")
    return _clean_body(m.group(1)) if m else None


# --- editions --------------------------------------------------------------------------------------------

def link_editions(records: list[DocumentRecord], today: str | None = None) -> list[DocumentRecord]:
    """Set status, supersedes and superseded_by across the editions of each work (in place; returned).

    Within a work, editions are ordered by the date they are of; the newest one already in force is
    现行有效, newer ones not yet in force are 尚未施行, older ones 已被修订. A single edition is 现行有效 unless
    its effective date is still to come. Ties go to document order (doc_id).
    """
    today = today or _dt.date.today().isoformat()
    works: dict[str, list[DocumentRecord]] = {}
    for rec in records:
        works.setdefault(rec.work or rec.doc_id, []).append(rec)
    for editions in works.values():
        editions.sort(key=lambda r: (r.version or "", r.doc_id))
        in_force = [r for r in editions if not (r.effective and r.effective > today and r.revised is None)
                    and (r.version or "") <= today]
        current = in_force[-1] if in_force else None
        for n, rec in enumerate(editions):
            rec.supersedes = editions[n - 1].doc_id if n > 0 else None
            rec.superseded_by = editions[n + 1].doc_id if n + 1 < len(editions) else None
            if rec.status == "已废止":
                continue
            if current is None or editions.index(current) < n:
                rec.status = "尚未施行"
            elif rec is current:
                rec.status = "现行有效"
            else:
                rec.status = "已被修订"
    return records


# --- references between documents ----------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def document_genres() -> tuple[str, ...]:
    lines = (VOCAB_DIR / "document_genres.txt").read_text(encoding="utf-8").splitlines()
    return tuple(sorted((l.strip() for l in lines if l.strip() and not l.startswith("#")), key=len, reverse=True))


def is_document_reference(ref: str) -> bool:
    """A 文号, or a 《…》 title ending in a genre (法, 条例, 通知 …): 《农村五保供养证书》 is a certificate, not one."""
    if DOC_NUMBER_REF.fullmatch(ref):
        return True
    name = re.sub(r"[（(][^）)]{1,8}[）)]$", "", ref.strip())
    return name.endswith(document_genres())


def match_key(title: str) -> str:
    """A title for matching references: the work key without quotes, brackets or spaces."""
    return re.sub(r"[“”\"'‘’《》〈〉「」\s·]", "", work_key(title))


def number_key(number: str) -> str:
    return re.sub(r"[〔\[［(（]", "〔", re.sub(r"[〕\]］)）]", "〕", number.replace(" ", "")))


class ReferenceResolver:
    """Finds the document of the library a reference names: by 文号, or by title (any edition; the
    current one when several are present)."""

    def __init__(self, records: list[DocumentRecord]) -> None:
        self.by_title: dict[str, list[DocumentRecord]] = {}
        self.by_number: dict[str, list[DocumentRecord]] = {}
        for rec in records:
            self.by_title.setdefault(match_key(rec.title), []).append(rec)
            if rec.doc_number:
                self.by_number.setdefault(number_key(rec.doc_number), []).append(rec)

    def resolve(self, ref: str) -> DocumentRecord | None:
        found = self.by_number.get(number_key(ref)) if DOC_NUMBER_REF.fullmatch(ref) else self.by_title.get(match_key(ref))
        if not found:
            return None
        current = [r for r in found if r.status == "现行有效"]
        return (current or sorted(found, key=lambda r: (r.version or "", r.doc_id)))[-1]


def link_references(records: list[DocumentRecord], refs_by_doc: dict[str, list[str]]) -> list[DocumentRecord]:
    """Set each record's `references` (refs found in the library) and `missing_refs` (not found), in the
    order its clauses mention them; a document naming its own work is neither."""
    resolver = ReferenceResolver(records)
    for rec in records:
        rec.references, rec.missing_refs = [], []
        for ref in dict.fromkeys(refs_by_doc.get(rec.doc_id, [])):
            if not is_document_reference(ref) or match_key(ref) == match_key(rec.title):
                continue
            target = resolver.resolve(ref)
            if target is None:
                rec.missing_refs.append(ref)
            elif target.work != rec.work:
                rec.references.append({"ref": ref, "doc_id": target.doc_id})
    return records
