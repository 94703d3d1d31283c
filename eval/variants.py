"""Robustness variants of the evaluation questions: `python -m eval.variants [--questions F] [--out F]`.

Every in-scope question is rewritten four ways, deterministically (a fixed seed per question):
- traditional: traditional characters (zhconv, zh-hant);
- fullwidth: ASCII digits, letters, punctuation and spaces as their full-width forms;
- typo_homophone: one character replaced by a same-sounding one that a pinyin IME offers;
- typo_drop: one Chinese character left out.
A variant identical to its question is not written. Gold, facts, type and persona are copied; the
runner takes them from the current question file anyway, so only the wording here matters.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import zhconv

from .dataset import Question, load_questions, write_questions

SEED = 20160101
KINDS = ("traditional", "fullwidth", "typo_homophone", "typo_drop")
DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_OUT = Path("eval/questions_variants.jsonl")

# character → a homophone (same pinyin syllable) a hurried pinyin-IME user picks by mistake
HOMOPHONES = {
    "贫": "频", "困": "捆", "扶": "服", "村": "存", "建": "见", "档": "挡", "县": "现", "标": "表",
    "农": "浓", "户": "护", "政": "正", "策": "侧", "保": "宝", "业": "也", "划": "话", "规": "归",
    "项": "向", "专": "砖", "栏": "拦", "指": "只", "程": "成", "务": "物", "房": "防", "病": "并",
    "医": "依", "助": "住", "培": "陪", "训": "讯", "资": "姿", "学": "雪", "教": "叫", "危": "为",
    "钱": "前", "补": "不", "低": "底", "救": "就", "养": "样", "劳": "牢", "费": "废", "金": "今",
    "电": "店", "网": "往", "源": "元", "脱": "拖", "率": "律", "达": "答", "乡": "香", "改": "该",
    "庭": "停", "安": "按", "设": "社", "施": "师", "提": "题", "产": "铲", "贷": "带", "款": "宽",
    "移": "以", "搬": "般", "迁": "千", "种": "中", "植": "值", "销": "消", "申": "身", "请": "清",
    "残": "惨", "疾": "即", "险": "显", "报": "抱", "哪": "那", "在": "再", "做": "作", "就": "旧",
}


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def to_traditional(text: str) -> str:
    return zhconv.convert(text, "zh-hant")


def to_fullwidth(text: str) -> str:
    return "".join("\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def homophone_typo(text: str, rng: random.Random) -> tuple[str, str] | None:
    positions = [i for i, ch in enumerate(text) if ch in HOMOPHONES]
    if not positions:
        return None
    i = rng.choice(positions)
    return text[:i] + HOMOPHONES[text[i]] + text[i + 1:], f"{text[i]}→{HOMOPHONES[text[i]]} at {i}"


def drop_typo(text: str, rng: random.Random) -> tuple[str, str] | None:
    positions = [i for i, ch in enumerate(text) if is_cjk(ch)]
    if len(positions) < 4:
        return None
    i = rng.choice(positions)
    return text[:i] + text[i + 1:], f"dropped {text[i]} at {i}"


def make_variants(question: Question, seed: int = SEED) -> list[Question]:
    """The variants of one in-scope question (none for an out-of-scope one)."""
    if question.out_of_scope:
        return []
    text = question.question
    rng = random.Random(f"{seed}:{question.id}")  # a string seed is hashed with sha512: stable across runs
    rewrites = {
        "traditional": (to_traditional(text), "zh-hant"),
        "fullwidth": (to_fullwidth(text), "full-width ASCII"),
        "typo_homophone": homophone_typo(text, rng),
        "typo_drop": drop_typo(text, rng),
    }
    out = []
    for kind in KINDS:
        rewrite = rewrites[kind]
        if rewrite is None or rewrite[0] == text:
            continue
        out.append(Question(id=f"{question.id}~{kind}", question=rewrite[0], persona=question.persona, type=question.type,
                            anchors=list(question.anchors), facts=list(question.facts), gold=list(question.gold),
                            chapter=question.chapter, variant=kind, variant_of=question.id, edit=rewrite[1],
                            original=text))
    return out


def generate(questions: list[Question], seed: int = SEED) -> list[Question]:
    return [v for q in questions for v in make_variants(q, seed)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.variants", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    variants = generate(load_questions(args.questions), args.seed)
    write_questions(args.out, variants)
    counts = {k: sum(1 for v in variants if v.variant == k) for k in KINDS}
    print(f"wrote {len(variants)} variants to {args.out}: " + ", ".join(f"{k} {n}" for k, n in counts.items()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
