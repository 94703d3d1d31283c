"""Deciding that the indexed documents do not answer a question.

Signals, all computed from the question, the corpus and the hits (never from known questions):
- the expected answer type: a question asking for an amount of money, a percentage or a score
  is not answered by clauses that state no such figure;
- years the question names that no indexed document mentions (2023年的新政策), and places it asks
  about that none mentions (贵州的搬迁安置房);
- unexplained nouns: things the question is about that no document, synonym or concept knows
  (新冠, 公积金, 购车), weighed against how much of the question the best clauses cover.
Thresholds are calibrated on the evaluation set (`policykb eval` reports abstention precision/recall).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from indexer.normalize import normalize_uncached

from .types import Analysis, Hit

# Calibrated on eval/questions.jsonl; a lower MIN_COVERAGE abstains less often.
MIN_COVERAGE = 0.5        # with unexplained nouns, the best clauses must cover this share of the question
MIN_DENSE = 0.80          # below this best-clause similarity nothing is close enough

_QUANTITY = r"(多少|几|若干|什么标准|啥标准|标准是)"
_FREE = r"免费|免除|免收|免交|全免|减免|不收费|免学费|免费用"   # "free" answers "how much does it cost"
# (name, question asks for it, evidence a clause must show)
ANSWER_TYPES = (
    # what the asker pays (上技校得花多少钱): "free" answers it; what is paid out (补多少钱) needs a figure
    ("cost", re.compile(r"(花|交|付|掏|缴)[^,，。?？!！]{0,3}(多少|几)|(要|收|出)多少钱|(学费|收费).{0,4}(多少|几)"),
     re.compile(rf"\d[\d.,]*\s*(万|亿|千)?元|{_FREE}")),
    ("money", re.compile(rf"(钱|元|块|工资|薪|金额|额度|租金|费用|价格|补贴标准|补助标准).{{0,6}}{_QUANTITY}"
                         rf"|{_QUANTITY}.{{0,4}}(钱|元|块|工资|金额)|(补|补助|补贴|发|给|领|贷|借)(多少|几)(?!个|人|户|次|项|年)"
                         r"|多少(亿|万元|万块)|(资金|投入|经费|拨款|投资).{0,8}多少(?!个|人|户|次|项|年|万人|亩)"
                         r"|(补助|补贴|津贴|报酬|生活费)[^,，。?？!！]{0,3}多少(?!个|人|户|次|项|年|万人|亩|公里)"),
     re.compile(r"\d[\d.,]*\s*(万|亿|千)?元|\d[\d.,]*\s*亿")),
    ("percent", re.compile(r"百分之几|百分之多少|几成|(比例|比率|百分比|利率|利息|费率).{0,8}(多少|几)|(多少|几).{0,4}(%|百分)"),
     re.compile(r"\d[\d.]*\s*%|百分之[\d一二三四五六七八九十百]+")),
    ("score", re.compile(r"(加|降|减)(多少|几)分|几分(加分|录取)?$|多少分"),
     re.compile(r"\d+\s*分")),
    # what offices tell, not plans: a phone number, opening hours, papers to bring, a service window,
    # a term of office, applying online
    ("phone", re.compile(r"(电话|热线|手机号|号码|联系方式)"),
     re.compile(r"\d{3,4}-?\d{7,8}|\d{5,}|热线|电话")),
    ("hours", re.compile(r"几点|上班时间|办公时间|工作时间|几点钟|周几|星期几"),
     re.compile(r"\d{1,2}\s*[:：点时]|工作日|星期|周[一二三四五六日]")),
    ("papers", re.compile(r"(带|交|准备|提供|需要|要)(哪些|什么|啥|些)?(材料|证件|证明|手续|资料)"),
     re.compile(r"材料|证件|证明|手续|资料|申请书|身份证|户口")),
    ("window", re.compile(r"(哪个|什么|啥)(窗口|柜台|大厅)|窗口"),
     re.compile(r"窗口|大厅|柜台|一站式|服务中心")),
    ("tenure", re.compile(r"任期|任职期限|干几年|当几年|连任"),
     re.compile(r"任期|任职.{0,6}年|连任|期满")),
    ("online", re.compile(r"(网上|在线|线上|手机|app|小程序|公众号|微信).{0,8}(申请|办理|办|报名|查询|查|认定|登记)"),
     re.compile(r"网上|在线|线上|互联网|手机|app|小程序|公众号|微信|信息平台")),
)
# a year, or a five-year-plan period (十四五): times the documents may never speak of
_TIME = re.compile(r"(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)|十[一二三四五六七八九]五")
PROVINCES = frozenset("北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
                      "海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split())
_PLACE_SUFFIX = re.compile(r"(自治区|自治州|自治县|省|市|县|区|州|旗|盟|乡|镇|村)$")
LOW_COVERAGE = 0.2        # a question nothing ties to the documents and they barely touch


@dataclass
class AbstainSignals:
    coverage: float
    dense_top: float
    unexplained: list[str] = field(default_factory=list)
    anchored: bool = False   # the question names a household situation/condition or uses a known alias
    unmet_answer_type: str | None = None
    unknown_years: list[str] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)   # asked about, never mentioned (贵州, 黑龙江省)

    def to_json(self) -> dict:
        return {"coverage": round(self.coverage, 3), "dense_top": round(self.dense_top, 4),
                "unexplained": self.unexplained, "unmet_answer_type": self.unmet_answer_type,
                "unknown_years": self.unknown_years, "unknown_places": self.unknown_places, "anchored": self.anchored}


def answer_types(question: str) -> list[tuple[str, re.Pattern]]:
    """The kinds of fact the question asks for (an amount, a phone number…), with their evidence."""
    return [(name, evidence) for name, asks, evidence in ANSWER_TYPES if asks.search(question)]


def times_mentioned(text: str) -> list[str]:
    """The years (2016) and five-year-plan periods (十三五) a text names."""
    return _TIME.findall(text)


def unmet_answer_type(question: str, text: str) -> str | None:
    """The kind of fact asked for when the text holds no fact of any kind asked for."""
    wanted = answer_types(question)
    if wanted and not any(evidence.search(text) for _, evidence in wanted):
        return wanted[0][0]
    return None


def unknown_places(places: list[str], mentions: Callable[[str], bool]) -> list[str]:
    """Place names the documents never mention, with or without 省/市/县/区 (阜新市 is known as 阜新)."""
    out = []
    for place in places:
        base = _PLACE_SUFFIX.sub("", place)
        if base == place and place not in PROVINCES:
            continue  # the tagger calls 井水 a place too: only named provinces and X省/X县… count
        if not mentions(place) and (len(base) < 2 or not mentions(base)):
            out.append(place)
    return out


def signals(analysis: Analysis, hits: list[Hit], dense_top: float, corpus_years: frozenset[str],
            explained: set[str], mentions: Callable[[str], bool] | None = None) -> AbstainSignals:
    """Everything `should_abstain` decides on; `explained` are question words a synonym or concept covers."""
    top_text = normalize_uncached(" ".join(" ".join(h.clause.path) + h.clause.text for h in hits[:3]))
    words = [t for t in analysis.tokens if len(t) > 1] or analysis.tokens
    covered = [w for w in words if w in top_text or w in explained]
    coverage = len(covered) / len(words) if words else 0.0
    unmet = unmet_answer_type(analysis.normalized, top_text)
    years = [t for t in times_mentioned(analysis.normalized) if t not in corpus_years]
    # a place asked about (its figures, its list, its date), not a place the asker comes from
    places = unknown_places(analysis.places, mentions) if mentions and analysis.qtype not in ("yesno", "other") else []
    unexplained = [w for w in analysis.unknown_terms if w not in explained]
    anchored = bool(analysis.profile or analysis.conditions or analysis.expanded_terms)
    return AbstainSignals(coverage=coverage, dense_top=dense_top, unexplained=unexplained,
                          unmet_answer_type=unmet, unknown_years=years, unknown_places=places, anchored=anchored)


def should_abstain(s: AbstainSignals) -> bool:
    if s.unmet_answer_type or s.unknown_years or s.unknown_places:
        return True
    if s.dense_top < MIN_DENSE:
        return True
    if not s.anchored and s.coverage < LOW_COVERAGE:
        return True   # 明儿个沈阳下不下雨: no situation, need or alias of theirs, barely a word of theirs
    # residents' own words (俺家小子, 身子骨) are unknown too: an unknown noun only counts against a
    # question that nothing else ties to the documents' vocabulary
    return bool(s.unexplained) and s.coverage < MIN_COVERAGE and not s.anchored
