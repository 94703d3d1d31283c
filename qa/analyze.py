"""Question analysis: validation, normalisation, synonym expansion, situation/condition/topic/type."""
from __future__ import annotations

import re

from indexer.errors import BadInput
from indexer.normalize import normalize
from indexer.tagging import concept_matches
from indexer.tokenize import Tokenizer
from indexer.vocabulary import Vocabulary

from .types import Analysis

MAX_QUESTION_CHARS = 500
_WORD = re.compile(r"[A-Za-z0-9\u3400-\u9fff\uf900-\ufaff]")
QTYPE_PRIORITY = ("list", "number", "who", "when", "yesno")  # "哪几项" asks for a list, not a number


def validate_question(question: str | None) -> str:
    """The question stripped, or BadInput with what is wrong with it."""
    text = (question or "").strip()
    if not text:
        raise BadInput("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadInput(f"the question is {len(text)} characters long; ask in at most {MAX_QUESTION_CHARS}")
    if not _WORD.search(normalize(text)):
        raise BadInput("the question has no words in it (only punctuation, symbols or emoji)")
    return text


# a 个 or 了 spoken inside a verb and its object (入个股, 脱了贫)
_INSERTED = re.compile(r"([\u4e00-\u9fff])[个了](?=([\u4e00-\u9fff]))")


def expand(normalized: str, vocabulary: Vocabulary) -> dict[str, str]:
    """Plan wording for the aliases the question contains, each with the alias it stands for; longest
    alias first, no repeats.

    Speech puts 个 or 了 inside a verb and its object (入个股, 学个手艺, 脱了贫): the aliases are also
    looked for with it left out."""
    loose = _INSERTED.sub(r"\1", normalized)
    out: dict[str, str] = {}
    for alias in sorted(vocabulary.synonyms, key=len, reverse=True):
        if alias in normalized or alias in loose:
            for target in vocabulary.synonyms[alias]:
                if target not in normalized and target not in out:
                    out[target] = alias
    return out


def _most_specific(matches: list[tuple[str, str, str]]) -> list[str]:
    """Labels, dropping one whose trigger lies inside another match's trigger (危房 inside D级危房)."""
    labels = []
    for kind, label, trigger in matches:
        if any(t != trigger and trigger in t for _, _, t in matches):
            continue
        if label not in labels:
            labels.append(label)
    return labels


def _needs(topic_matches, who_matches) -> list[str]:
    """Benefit areas the question asks for: a topic matched only through the household's situation
    (低保 in 低保户, 危房 in D级危房) is implied by who they are, not a need of its own."""
    needs = []
    for _, label, trigger in topic_matches:
        implied = any(trigger in t or t in trigger for _, _, t in who_matches)
        if not implied and label not in needs:
            needs.append(label)
    return needs


_masked_cache: dict[int, dict[str, set[str]]] = {}


def _masked_terms(vocabulary: Vocabulary) -> dict[str, set[str]]:
    """'白内?' → {'白内障'}: each domain term and alias of 3+ characters with one character masked."""
    key = id(vocabulary)
    if key not in _masked_cache:
        index: dict[str, set[str]] = {}
        for term in set(vocabulary.terms) | set(vocabulary.synonyms):
            if len(term) >= 3:
                for i in range(len(term)):
                    index.setdefault(term[:i] + "?" + term[i + 1:], set()).add(term)
        _masked_cache[key] = index
    return _masked_cache[key]


def _typo_candidates(words: list[str], known) -> list[str]:
    """Strings that may hide a one-character slip: unknown words of 3+ characters, and runs of two
    or three words none of which the corpus knows — a slip often breaks a word apart (白内帐 → 白内 / 帐)."""
    out = [w for w in words if len(w) >= 3 and not known(w)]
    for size in (2, 3):
        for i in range(len(words) - size + 1):
            run = words[i:i + size]
            text = "".join(run)
            if 3 <= len(text) <= 6 and all(_WORD.fullmatch(w[0]) and not known(w) for w in run):
                out.append(text)
    return [w for w in dict.fromkeys(out) if all(_WORD.fullmatch(ch) for ch in w)]


_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


def _readings(char: str) -> set[str]:
    """Toneless pinyin readings of a character, folded the way pinyin input methods blur them."""
    from pypinyin import Style, pinyin  # imported on the first typo candidate only

    out = set()
    for reading in pinyin(char, style=Style.NORMAL, heteronym=True)[0]:
        for long, short in _FUZZY:
            reading = reading.replace(long, short)
        out.add(reading.replace("l", "n", 1) if reading.startswith("l") else reading)
    return out


def _slip_of(typed: str, term: str) -> bool:
    """Whether `typed` is `term` with one character replaced by one that sounds alike — what a pinyin
    keyboard produces (白内章 for 白内障, 见档 for 建档), as opposed to a different word (有人管 / 没人管)."""
    diff = [(a, b) for a, b in zip(typed, term) if a != b]
    return len(diff) == 1 and bool(_readings(diff[0][0]) & _readings(diff[0][1]))


def correct_typos(normalized: str, tokenizer: Tokenizer, vocabulary: Vocabulary,
                  corpus_terms: frozenset[str]) -> tuple[str, list[tuple[str, str]]]:
    """Fix one-character slips inside words nobody knows (白内章 → 白内障, 白内帐 → 白内障), when exactly
    one domain term or alias fits with a character that sounds alike; known words are never touched."""
    if not corpus_terms:
        return normalized, []
    masked = _masked_terms(vocabulary)
    known = lambda w: w in corpus_terms or w in vocabulary.terms or w in vocabulary.synonyms or w in vocabulary.stopwords
    corrections = []
    for text in _typo_candidates(tokenizer.words(normalized), known):
        if text not in normalized or known(text):
            continue
        candidates = set()
        for i in range(len(text)):
            candidates |= masked.get(text[:i] + "?" + text[i + 1:], set())
        candidates = {c for c in candidates if len(c) == len(text) and c not in normalized and _slip_of(text, c)}
        if len(candidates) == 1:
            fixed = candidates.pop()
            corrections.append((text, fixed))
            normalized = normalized.replace(text, fixed)
    return normalized, corrections


def join_split_words(normalized: str, known) -> str:
    """脱了贫 → 脱贫, 入个股 → 入股: a 了 or 个 spoken inside a word the documents use is dropped."""
    return _INSERTED.sub(lambda m: m.group(1) if known(m.group(1) + m.group(2)) else m.group(0), normalized)


def analyze_question(question: str, vocabulary: Vocabulary, tokenizer: Tokenizer,
                     corpus_terms: frozenset[str] = frozenset()) -> Analysis:
    text = validate_question(question)
    normalized = normalize(text)
    if corpus_terms:
        normalized = join_split_words(normalized, lambda w: w in corpus_terms or w in vocabulary.terms)
    normalized, corrections = correct_typos(normalized, tokenizer, vocabulary, corpus_terms)
    tokens = tokenizer.tokenize(normalized, normalized=True)
    expansions = expand(normalized, vocabulary)
    expanded = list(expansions)
    own = concept_matches(normalized, vocabulary, ("situation", "condition", "topic"))
    via_synonyms = concept_matches(" ".join(expanded), vocabulary, ("situation", "condition", "topic"))
    by_kind = {}
    for kind in ("situation", "condition", "topic"):
        # who the household is and what state it is in come from the question's own words; the
        # synonym table only fills in when the question names none ("房子快塌了" → 危房)
        mine = [m for m in own if m[0] == kind]
        by_kind[kind] = _most_specific(mine) or (_most_specific([m for m in via_synonyms if m[0] == kind]))
        if kind == "topic":
            by_kind[kind] += [label for label in _most_specific([m for m in via_synonyms if m[0] == kind])
                              if label not in by_kind[kind]]
    needs = _needs([m for m in own if m[0] == "topic"], [m for m in own if m[0] in ("situation", "condition")])
    if not needs and not by_kind["condition"]:
        needs = by_kind["topic"][:1]
    qtypes = {label for kind, label, _ in concept_matches(normalized, vocabulary, ("qtype",))}
    qtype = next((q for q in QTYPE_PRIORITY if q in qtypes), "other")
    tagged = tokenizer.tagged_words(normalized) if corpus_terms else []
    return Analysis(question=text, normalized=normalized, tokens=tokens, expansions=expansions,
                    profile=by_kind["situation"], conditions=by_kind["condition"], topics=by_kind["topic"], needs=needs,
                    qtype=qtype, corrections=[list(c) for c in corrections],
                    unknown_terms=unknown_terms(tagged, tokenizer, vocabulary, corpus_terms),
                    places=list(dict.fromkeys(w for w, flag in tagged if flag.startswith("ns") and len(w) >= 2
                                              # 包县 in 省领导包县抓扶贫: two characters the dictionary lacks are
                                              # the tagger's guess, not a county
                                              and (len(w) > 2 or tokenizer.known_word(w)))),
                    measured=measured_things(tagged, vocabulary,
                                             lambda w: w in corpus_terms or tokenizer.known_word(w),
                                             lambda w: tokenizer.tokenize(w, normalized=True)),
                    applied=applied_things(tagged, vocabulary, lambda w: w in corpus_terms or tokenizer.known_word(w)))


_NOUNISH = ("n", "vn", "nz", "nt", "ns", "nr", "eng")
# a word the dictionary lacks that begins with an auxiliary or adverb (能领, 会罚, 老收) or ends with a
# particle or measure (法里, 贷点, 金是) is the tagger gluing two words together, not a new thing
_FUNCTION_EDGE = re.compile(r"^[能可会要该得是有都也就还才给把被让老白多很挺]|[里上下点些是了着过可能会来去呢吗啊]$")


def unknown_terms(tagged: list[tuple[str, str]], tokenizer: Tokenizer, vocabulary: Vocabulary,
                  corpus_terms: frozenset[str]) -> list[str]:
    """Nouns of the question (`tagged`: its words with part-of-speech flags) that neither the corpus
    nor the vocabulary knows.

    A question about 新冠 or 公积金 names things the indexed documents never mention: the strongest
    sign that they cannot answer it.  Verbs, particles and dialect fillers (听说, 俺家, 撑腰) are not
    counted, nor everyday nouns of speech (俺娘, 眼睛, 外头: `vocabulary.speech`), nor the tagger's cuts
    across two words (能领, 法里): residents use them freely about things the documents do cover.
    """
    if not corpus_terms:
        return []
    out = []
    for word, flag in tagged:
        if len(word) < 2 or not _WORD.search(word) or word in vocabulary.stopwords or word.isdigit():
            continue
        if not flag.startswith(_NOUNISH) or word in corpus_terms or word in vocabulary.speech:
            continue
        if not tokenizer.known_word(word) and _FUNCTION_EDGE.search(word):
            continue   # a tagger's cut, not a word: 能领 (能/领), 贷点 (贷/点), 法里 (法/里)
        # a word whose every search-mode piece is known is not unknown (重特大疾病 → 重特大, 疾病)
        pieces = [p for p in tokenizer.tokenize(word, normalized=True) if p != word]
        if pieces and all(p in corpus_terms for p in pieces):
            continue
        if word not in out:
            out.append(word)
    return out


def explained_words(analysis: Analysis, vocabulary: Vocabulary) -> set[str]:
    """Words of the question that a synonym or a concept trigger accounts for (看山护林 → 护林)."""
    norm = analysis.normalized
    phrases = [a for a in vocabulary.synonyms if a in norm]
    phrases += [t for c in vocabulary.concepts if c.kind != "qtype" for t in c.triggers if t and t in norm]
    return {w for w in analysis.tokens if any(w in p or p in w for p in phrases)}


# a word asking how much or how many (not 好几回, 那几亩, 六十几岁, 几百个小时: several; not 几月: when)
_HOW_MUCH = re.compile(r"多少|(?<![好那这十头])几(?![乎月十百千万])|多高|多大|百分之几")
# nouns that say what kind of figure is asked (钱, 标准, 比例, 目标), not what it is a figure of, and who gets it
# (每人, 家庭): the thing measured is another word
_KIND_NOUNS = frozenset("钱 块 元 钞票 标准 金额 数额 数量 数目 数字 费用 人数 名额 比例 比重 比率 时间 期限 年限 天数 面积 水平 规模 "
                        "程度 额度 限额 上限 下限 幅度 区间 范围 界限 底线 基数 目标 目标值 指标 数值 个人 人 家庭 户 家 每人 每户 "
                        "一家 全家 家里 家人 一个人 老百姓 群众 钱数 多少钱 价钱 价格 日子 时候 辰光 工夫 年龄 岁数 个数 底数 "
                        "里程 长度 距离 总量 总数 计划".split())


def kind_noun(word: str) -> bool:
    """A word saying only the kind of figure, alone or as a total (金额, 总金额, 总里程)."""
    return word in _KIND_NOUNS or word.startswith("总") and word[1:] in _KIND_NOUNS


# between the thing and the word asking how much of it: a link (存款超过多少, 过渡期是几年, 标准线现在是多少)
_LINKS = frozenset("是 为 有 在 要 能 会 可 可以 得 大概 大约 一般 具体 最多 最少 至少 最高 最低 超过 达到 低于 高于 不超过 不低于 "
                   "不得 不能 不可 不会 能够 降到 降至 提高到 提高 控制 控制在 定 定为 按 一共 总共 共 合计".split())
# a word naming a figure's thing by its ending (自来水普及率, 供养金, 补助款, 收入监测线, 过渡期), whatever the tagger calls
# it (补助款 is tagged a verb); other domain terms name what is done (减贫)
_FIGURE_TERM = re.compile(r"(率|金|费|款|线|期)$")
# a document the figure is asked by (按城市低保条例最晚多少天), not a thing measured
_DOCUMENT = re.compile(r"(条例|办法|规划|规定|法|通知|意见|决定|文件|政策)$")
# a time limit (几天内, 多少个工作日以内): asked of what is to be done within it
_WITHIN = re.compile(r"^(多少|几)个?(天|日|工作日|月|年)$")


def measured_things(tagged: list[tuple[str, str]], vocabulary: Vocabulary, known=lambda w: True,
                    pieces=lambda w: []) -> list[str]:
    """What the question asks a figure of, at its first 多少/几: the noun right after it (多少个卫生室, 多少供养金),
    else the noun it is asked of just before it, across links and words of who gets it or when (存款超过多少 →
    存款; 过渡期是几年 → 过渡期; 抚慰金一个人是多少 → 抚慰金). None when an action comes between (单位负责人要罚
    多少钱 asks of the fine, 乡镇几天内出审核意见 of what is done within the time). Not things measured: documents
    (按城市低保条例最晚多少天), words saying only the kind of figure (钱, 标准, 目标) or who gets it (每人, 家庭),
    verbal nouns and domain terms naming what is done (减贫多少人), everyday speech, and words neither the corpus
    nor the dictionary knows (the tagger's cuts: 能领, 钱养). A compound is given with its head, its last piece
    (银行存款 → 存款): a clause may name the thing without the qualifier."""
    def thing(word: str, flag: str) -> bool:
        return ((flag.startswith(_NOUNISH) and not flag.startswith("vn") or not flag.startswith(("m", "q"))
                 and bool(_FIGURE_TERM.search(word)))
                and len(word) >= 2
                and known(word) and not kind_noun(word) and not _HOW_MUCH.search(word) and not _DOCUMENT.search(word)
                and word not in vocabulary.speech and word not in vocabulary.stopwords)

    def with_head(word: str) -> list[str]:
        head = [p for p in pieces(word) if len(p) >= 2 and p != word and word.endswith(p)]
        return [word] + head[-1:]

    for at, (word, _) in enumerate(tagged):
        before, after = tagged[at - 1][0][-1:] if at else "", tagged[at + 1][0][:1] if at + 1 < len(tagged) else ""
        if not _HOW_MUCH.search(before + word + after) or _HOW_MUCH.search(before + after):
            continue
        if _WITHIN.match(word) and after in ("内", "以", "之", "后"):
            return []
        for i in (at + 1, at + 2):   # right after a bare 多少, a verb names the thing counted (多少补助)
            if (i < len(tagged) and (thing(*tagged[i]) or i == at + 1 and word in ("多少", "几", "好多")
                                          and tagged[i][1].startswith("v") and tagged[i][0] not in _LINKS
                                          and thing(tagged[i][0], "n"))
                    and all(tagged[j][1].startswith(("q", "m")) for j in range(at + 1, i))):
                return with_head(tagged[i][0])
        commas, acted = 0, 0
        for word_before, flag in reversed(tagged[:at]):
            if thing(word_before, flag) and (not acted or _FIGURE_TERM.search(word_before)):
                return with_head(word_before)
            if word_before in ",，":   # the thing named, then asked of (临时价格补贴，每人每月是多少钱)
                if acted:
                    break
                commas += 1
            elif not (kind_noun(word_before) or word_before in _LINKS
                      or flag.startswith(("m", "q", "t", "r", "d", "u", "c", "p", "f"))):
                # across what is done only a sum or a rate is asked of (丧葬费能给报多少, 养老金上调了多少);
                # 单位负责人要罚多少钱 asks of the fine, not of the person
                acted += 1
                if acted > 2:
                    break
            if commas > 1:
                break
        return []
    return []


# asked how or where a thing is done, or what to bring for it (残疾证去哪儿办, 低保怎么申请, 评残要带什么材料)
_HOW_WHERE = frozenset("哪 哪儿 哪里 哪个 怎么 怎样 如何 咋 啥 什么 哪些".split())
_APPLY = frozenset("办 办理 申请 申领 领 领取 报名 登记 补办 挂失 认定 评定 鉴定 材料 证件 手续 资料".split())


def applied_things(tagged: list[tuple[str, str]], vocabulary: Vocabulary, known=lambda w: True) -> list[str]:
    """What the question asks how or where to apply for, or what to bring for: the noun before the asking words
    in their phrase (残疾证去哪儿办 → 残疾证), else the one after the verb (去哪儿申请低保 → 低保). Not the kind of
    thing asked (材料, 手续), a place (在上海想申请低保: a document of 本市 never names it), nor a thing named in another
    phrase (房子冲塌了，重建补助咋申请 asks of the 补助)."""
    def thing(word: str, flag: str) -> bool:
        return ((flag.startswith((*_NOUNISH, "j")) or word in vocabulary.terms) and not flag.startswith("ns") and len(word) >= 2 and known(word) and word not in _APPLY
                and not kind_noun(word) and word not in vocabulary.speech and word not in vocabulary.stopwords
                and not _DOCUMENT.search(word))

    phrases: list[list[tuple[str, str]]] = [[]]
    for word, flag in tagged:
        if word in ",，、;；:：?？!！。":
            phrases.append([])
        else:
            phrases[-1].append((word, flag))
    for phrase in phrases:
        words = [w for w, _ in phrase]
        asking = next((i for i, w in enumerate(words)
                       if w in _APPLY and any(x in _HOW_WHERE for x in words[max(0, i - 3):i])), None)
        if asking is None:
            continue
        before = [w for w, f in phrase[:asking] if thing(w, f)]
        after = [w for w, f in phrase[asking + 1:] if thing(w, f)]
        return before[-1:] or after[:1]
    return []
