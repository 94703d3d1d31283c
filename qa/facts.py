"""Sentences, and what a sentence states by kind: a figure, a date or deadline (shared by the composer, the
abstention gates and the coverage model).

Laws write their figures in Chinese numerals (六倍以下, 三十日内, 满二年) where plans write digits
(1.5万户, 85%); both count. A Chinese numeral only counts with a unit or measure after it, so that
一般, 统一 or 进一步 are not taken for figures, and a lone 一 only before a unit of time, money or a multiple.
"""
from __future__ import annotations

import re

_CN = "零一二两三四五六七八九十百千万"
_UNIT = (r"%|‰|万|亿|千|个|人|户|所|家|名|公里|公顷|亩|平方米|元|块|次|倍|项|座|岁|周岁|年|个月|月|日|天|周|小时|分|"
         r"张|套|台|批|期|类|级|档|成")
# a lone 一 is a figure only before a unit of time, money or multiple (一户多残, 一批, 一站式 are not figures)
_CN_FIGURE = rf"(?:[二两三四五六七八九十百千万零][{_CN}]*|一[{_CN}]+)(?:点[{_CN}]+)?\s*(?:{_UNIT})|一\s*(?:倍|元|年|个月|日|天|周岁|岁|小时)"
NUMBER = re.compile(rf"\d+(?:\.\d+)?\s*(?:{_UNIT})?|{_CN_FIGURE}|百分之[\d{_CN}]+")
WHEN = re.compile(rf"(?:19|20)\d\d\s*年|\d+\s*月|年底|年内|之前|以前|期间|起|到期|截止|期限|"
                  rf"[\d{_CN}]+\s*(?:个)?(?:日|天|月|年|工作日)(?:内|以内|之内|前|后)")


def states_figure(text: str) -> bool:
    return bool(NUMBER.search(text))


def states_time(text: str) -> bool:
    return bool(WHEN.search(text))


_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or '；'-separated piece of `text` that holds a word."""
    spans = []
    for m in _SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s] in " \t":
            s += 1
        if e > s and re.search(r"[\w\u4e00-\u9fff]", text[s:e]):
            spans.append((s, e))
    return spans
