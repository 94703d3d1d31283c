"""Composing an answer from retrieved clauses, with no language model.

The answer is made of the clauses' own sentences: the ones that best match the question, the
direct answer first, each point ending in [n] markers that refer to the citations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.normalize import normalize
from indexer.segment import article_items, item_level

from .abstain import answer_types
from .facts import split_sentences, states_figure, states_time
from .focus import RELATED
from .types import Analysis, Citation, Hit

NOT_COVERED = "这些文件中没有找到能回答这个问题的规定。"
NEAREST_NOTE = "下面列出最接近的条款，供核对；如需确认，请咨询当地扶贫、民政或相关部门。"
MAX_POINTS = 4
POINT_FLOOR = 0.42     # a further point is kept when its best sentence scores at least this share of the lead's
RELATIVE_FLOOR = 0.55  # a clause is cited when its score is at least this share of the best one's
# a question about a schedule over several years: every year's sentence is the answer
_SCHEDULE = re.compile(r"(19|20)\d\d\s*(年)?\s*(到|至|-|—|~)\s*(19|20)\d\d|每年|逐年|分年度|年度安排|各年")


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    score: float


REPEAT_CREDIT = 0.3  # what a concept's second and further wordings in one sentence add, as a share


def matched_weight(normalized_text: str, terms: dict[str, float], groups: dict[str, str] | None = None) -> float:
    """How much of the question the text speaks of: per question concept, the best weight of its terms
    in the text plus a little for each further term of the same concept.

    A term inside a longer matched term belongs with it (危房改造 matched: 危房, 改造 add nothing more,
    but may lend their weight); `groups` puts a question word and its expansions in one concept (see
    Retriever.question_terms), so a sentence that repeats 输出地/输入地/劳务输出 does not outweigh one that
    also speaks of the 车票 asked about. Single characters count a little."""
    groups = groups or {}
    per_term: dict[str, float] = {}
    for term in sorted(terms, key=len, reverse=True):
        if term not in normalized_text:
            continue
        weight = terms[term] * (0.3 if len(term) == 1 else 1.0)
        container = next((m for m in per_term if term in m), None)
        if container is None:
            per_term[term] = weight
        else:
            per_term[container] = max(per_term[container], weight)
    concepts: dict[str, list[float]] = {}
    for term, weight in per_term.items():
        concepts.setdefault(groups.get(term, term), []).append(weight)
    return sum(max(ws) + REPEAT_CREDIT * (sum(ws) - max(ws)) for ws in concepts.values())


def score_sentences(clause_text: str, terms: dict[str, float], analysis: Analysis, is_table: bool,
                    groups: dict[str, str] | None = None) -> list[Sentence]:
    if is_table:
        return [Sentence(0, len(clause_text), clause_text, 1.0 + sum(w for t, w in terms.items() if t in normalize(clause_text)))]
    out = []
    states_fact = asked_fact(analysis)
    for n, (s, e) in enumerate(split_sentences(clause_text)):
        body = clause_text[s:e]
        norm = normalize(body)
        score = matched_weight(norm, terms, groups)
        if states_fact is not None and states_fact(body):
            score += 0.5   # "啥时候能用上自来水", "最多给多少": the sentence with the date, figure or amount asked for
        if n == 0:
            score += 0.1  # the lead sentence states what the clause is about
        out.append(Sentence(s, e, body, score))
    return out


def pick_sentences(sentences: list[Sentence], limit: int = 2, title: str = "") -> list[Sentence]:
    """The best sentence and up to `limit` - 1 more that score close to it, in text order; a bare title
    sentence pulls in the next one."""
    if not sentences:
        return []
    ranked = sorted(sentences, key=lambda s: -s.score)
    chosen = [ranked[0]] + [s for s in ranked[1:limit] if s.score >= 0.6 * ranked[0].score and s.score > 0.5]
    chosen.sort(key=lambda s: s.start)
    first = chosen[0]
    idx = sentences.index(first)
    bare_title = len(first.text) <= 16 or item_level(first.text.strip()) or (
        title and normalize(first.text).rstrip("。.;；: ：") == normalize(title).rstrip("。.;；: ："))
    if bare_title and idx + 1 < len(sentences) and sentences[idx + 1] not in chosen:
        chosen.insert(1, sentences[idx + 1])  # "实行贫困人口分类救治。" alone says little
    return chosen[: limit + 1]


def situation_wordings(analysis: Analysis) -> list[str]:
    """How the documents may word the household's situation the question gives (吃低保 → 低保对象, 最低生活保障…)."""
    asked = {v for k, v in analysis.expansions.items() if k in analysis.profile}
    return [k for k, v in analysis.expansions.items() if v in asked] + sorted(asked) + list(analysis.profile)


def with_the_situation(sentences: list[Sentence], chosen: list[Sentence], wordings: list[str]) -> list[Sentence]:
    """A clause's sentence on the asker's own situation is quoted with the best one: 最低生活保障家庭成员的医疗救助…
    直接办理 says what a 低保户 asking about 医疗救助 needs, though the clause's general rule scores higher."""
    if not wordings or not chosen or any(w in c.text for c in chosen for w in wordings):
        return chosen
    own = [x for x in sentences if x not in chosen and x.score > 0.5 and any(w in x.text for w in wordings)]
    if not own:
        return chosen
    best = max(own, key=lambda x: x.score)
    return sorted(chosen + [best], key=lambda x: x.start)


MAX_CARRIED = 3   # pieces a cut sentence is carried on by to reach the asked-for fact


# what happens, or what one can do, when a rule is broken (学校不收怎么办, 拒不改正会被怎么处理, 找谁)
_ASKS_CONSEQUENCE = re.compile(r"怎么办|咋办|咋整|怎么处理|如何处理|会怎样|会怎么样|后果|会被|能怎么|找谁|找哪|"
                               r"(去|向|到)哪(里|儿)?(告|反映|投诉|举报)|能不能告|管不管")
# …and a clause piece stating it: a condition (拒绝招收的，) then what follows from it
_STATES_CONSEQUENCE = re.compile(r"的[，,][^；;。]*(责令|处以?|罚款|警告|追究|承担|可以要求|可以向|有权|应当给予|"
                                 r"停止|撤销|取消|依法处理|给予处分)")


def asked_fact(analysis: Analysis):
    """A test for the kind of fact the question asks for — an amount, a percentage, a deadline… (the
    answer kinds of qa/abstain.py), else a figure for a number question, a date for a when question,
    what follows from a breach for a question asking what happens or what to do — or None when it asks
    for no such kind."""
    kinds = answer_types(analysis.normalized)
    if kinds:
        return lambda text: any(evidence.search(text) for _, evidence in kinds)
    if analysis.qtype == "number":
        return states_figure
    if analysis.qtype == "when":
        return states_time
    if _ASKS_CONSEQUENCE.search(analysis.normalized):
        return _STATES_CONSEQUENCE.search
    return None


def carry_the_fact(sentences: list[Sentence], chosen: list[Sentence], states_fact) -> list[Sentence]:
    """Never stop before the figure, threshold or deadline asked for: when the chosen sentences state none
    but one of them is cut at a '；' or '：' from a continuation that does ("…给予临时救助：" / "（一）…六倍
    以下…；"), the answer carries on through the piece that states it."""
    if states_fact is None or not chosen or any(states_fact(s.text) for s in chosen):
        return chosen
    for s in chosen:
        i = sentences.index(s)
        carried = []
        while sentences[i].text.rstrip().endswith(("；", ";", "：", ":")) and i + 1 < len(sentences) \
                and len(carried) < MAX_CARRIED:
            i += 1
            carried.append(sentences[i])
            if states_fact(sentences[i].text):
                at = chosen.index(s) + 1
                out = chosen[:at] + [c for c in carried if c not in chosen] + chosen[at:]
                # in the clause's own order when the pieces are contiguous (…入学；…拒绝招收；拒绝招收的，…)
                positions = sorted(sentences.index(c) for c in out)
                if positions == list(range(positions[0], positions[0] + len(out))):
                    return [sentences[k] for k in positions]
                return out
    return chosen


def select_hits(hits: list[Hit], top_k: int) -> list[Hit]:
    """The hits worth citing: those close to the best, plus the best hit of every aspect."""
    if not hits:
        return []
    best = max(h.score for h in hits[:top_k])   # the lead may not be the best-scored hit (qa/focus.py)
    chosen: list[Hit] = []
    aspects_done: set[str] = set()
    for hit in hits[:top_k]:
        first_of_aspect = hit.aspect and hit.aspect not in aspects_done
        if hit is hits[0] or hit.score >= RELATIVE_FLOOR * best or first_of_aspect:
            chosen.append(hit)
            if hit.aspect:
                aspects_done.add(hit.aspect)
        if len(chosen) >= MAX_POINTS + len(aspects_done):
            break
    return chosen


def compose_answer(analysis: Analysis, hits: list[Hit], top_k: int, abstained: bool, terms: dict[str, float],
                   siblings=None, groups: dict[str, str] | None = None,
                   absent: list[str] = ()) -> tuple[str, list[Citation], list[dict]]:
    """(answer text, citations, structured points).

    `terms` weighs the question's words (see Retriever.question_terms); `siblings(clause)` gives the
    clauses under the same heading, used to answer "哪几项" with the whole enumeration. A not-covered answer
    (`abstained`) says what the question names that no document mentions (`absent`: 劳动合同, 贵州, 2023年).
    """
    if abstained:
        citations = [Citation(n, h.clause, [], h.score, h.aspect) for n, h in enumerate(hits[:3], 1)]
        said = f"文件中没有提到：{'、'.join(absent)}。" if absent else ""
        return NOT_COVERED + said + (NEAREST_NOTE if citations else ""), citations, []
    citations: list[Citation] = []
    points: list[dict] = []
    # a list of the heading asked about, never of one the household's situation brought in (qa/focus.py)
    asked = [h for h in hits if not h.aspect.startswith(RELATED)]
    listed = listed_article(analysis, asked, terms)   # "特困人员供养包括哪些内容": an article's own items
    if listed:
        citations.append(article_citation(*listed))
    enumeration = enumerated_items(analysis, asked, terms, siblings) if siblings and not listed else []
    for clause in enumeration:
        n = len(citations) + 1
        title_end = clause.text.find(clause.title) + len(clause.title) if clause.title else len(clause.text)
        span_end = len(clause.text) if clause.kind == "table_row" else min(len(clause.text), title_end + 1)
        citations.append(Citation(n, clause, [(0, span_end)], 0.0, "list"))
    limit = 4 if _SCHEDULE.search(analysis.normalized) else 2
    states_fact = asked_fact(analysis)
    situation = situation_wordings(analysis)
    lead_relevance = None
    for hit in select_hits(hits, top_k):
        if any(c.clause.clause_id == hit.clause.clause_id for c in citations):
            continue
        is_table = hit.clause.kind == "table_row"
        scored = score_sentences(hit.clause.text, terms, analysis, is_table, groups)
        chosen = carry_the_fact(scored, with_the_situation(scored, pick_sentences(scored, limit=limit, title=hit.clause.title),
                                                           situation), states_fact)
        if not chosen:
            continue
        relevance = max(s.score for s in chosen)
        new_aspect = bool(hit.aspect) and all(p["aspect"] != hit.aspect for p in points)
        if lead_relevance is not None and not new_aspect and relevance < POINT_FLOOR * lead_relevance:
            continue  # a nearby clause whose best sentence says little of what was asked
        lead_relevance = relevance if lead_relevance is None else lead_relevance
        n = len(citations) + 1
        citations.append(Citation(n, hit.clause, [(s.start, s.end) for s in chosen], hit.score, hit.aspect))
        points.append({"text": "".join(s.text for s in chosen).strip(), "refs": [n], "aspect": hit.aspect,
                       "title": hit.clause.title, "path": hit.clause.path})
    citations, points = related_last(citations, points, len(enumeration))
    complete = bool(enumeration) and len(enumeration) == len([c for c in siblings(enumeration[0]) if c.title])
    items = [{"title": c.clause.text if c.clause.kind == "table_row" else c.clause.title, "ref": c.rank,
              "heading": c.clause.path[-1] if c.clause.path else "", "complete": complete}
             for c in citations[: len(enumeration)]]
    if listed:
        return with_article_items(render_answer(analysis, points, items), citations[0], listed[1], points), citations, points
    return render_answer(analysis, points, items), citations, points


# --- a list question over one article ("特困人员供养包括哪些内容？" → 第十五条's (一)(二)…) -------------
ARTICLE_LEAD_SHARE = 0.5  # the article's lead-in must carry at least this share of the question's weight
ARTICLE_LEAD_FAR = 0.9    # … or, for a hit ranked 4th to 6th, nearly all of it ("医疗救助采取下列方式：")


def listed_article(analysis: Analysis, hits: list[Hit], terms: dict[str, float]) -> tuple[Hit, list] | None:
    """(hit, items) when the question asks for a list and one of the top hits is an article whose lead-in
    ("特困人员供养的内容包括：") says most of what is asked and whose items follow it (among the top three),
    or nearly all of it (4th to 6th); the best-matching lead-in wins, a tie going to the higher-ranked hit."""
    if analysis.qtype != "list":
        return None
    total = matched_weight(analysis.normalized, terms) or 1.0
    best, best_share = None, 0.0
    for rank, hit in enumerate(hits[:6]):
        if not hit.clause.article:
            continue
        items = article_items(hit.clause)
        if len(items) < 2:
            continue
        share = matched_weight(normalize(hit.clause.text[: items[0][1]]), terms) / total
        floor = ARTICLE_LEAD_SHARE if rank < 3 else ARTICLE_LEAD_FAR
        if share >= floor - 1e-9 and share > best_share + 1e-9:
            best, best_share = (hit, items), share
    return best


def article_citation(hit: Hit, items: list) -> Citation:
    """The article cited once, its lead-in and every item highlighted."""
    clause = hit.clause
    spans = [(0, items[0][1])] + [(s, e) for _label, s, e in items]
    spans = [(s, e) for s, e in spans if clause.text[s:e].strip()]
    return Citation(1, clause, spans, hit.score, "list")


def with_article_items(text: str, citation: Citation, items: list, points: list[dict]) -> str:
    """The answer opened by the article's items, each with the article's marker:
    '《社会救助暂行办法》第十五条 特困人员供养的内容包括：(一)提供基本生活条件 [1]；(二)…'."""
    clause = citation.clause
    lead = clause.text[: items[0][1]].strip()
    lead = re.sub(r"^第[^条]{1,8}条(之[^ 　]{1,3})?\s*", "", lead).rstrip("：:")
    entries = [clause.text[s:e].strip().rstrip("；;。，,") for _label, s, e in items]
    listing = "；".join(f"{entry} [{citation.rank}]" for entry in entries)
    line = f"《{clause.doc_title}》{clause.article}：{lead}（共{len(items)}项）：{listing}。"
    points.insert(0, {"text": line, "refs": [citation.rank], "aspect": "list", "title": clause.title, "path": clause.path,
                      "article": clause.article, "items": entries})
    rest = [] if text == NOT_COVERED else [text]
    return "\n".join([line, *rest])


def enumerated_items(analysis: Analysis, hits: list[Hit], terms: dict[str, float], siblings) -> list:
    """For a list question about a heading ("专栏5就业扶贫行动包括哪几项"), that heading's items.

    The heading must be what the question names: most of the weight of its words is in the question,
    or the question cites it by number (专栏5). Of the headings of the top hits, the one that takes the
    most of the question wins ("第八章…第三节讲了哪几方面" names the section, not 专栏10 of the chapter).
    """
    if analysis.qtype != "list":
        return []
    total = matched_weight(analysis.normalized, terms) or 1.0  # counted as the headings are
    best, best_key, seen, first = [], None, set(), True
    for hit in hits[:5]:
        clause = hit.clause
        if not clause.path or not clause.title or clause.kind not in ("column_item", "paragraph", "table_row"):
            continue
        if first and normalize(clause.title) in analysis.normalized:
            return []  # the question names an item of the list, not the list
        first = False
        heading_key = (clause.doc_id, *clause.path)
        if heading_key in seen:
            continue
        seen.add(heading_key)
        number = re.match(r"专栏\s*\d+", clause.path[-1])
        named = bool(number) and normalize(number.group(0)).replace(" ", "") in analysis.normalized.replace(" ", "")
        # the heading with the chapter and section above it, numbers and all ("第十一章…创新体制机制…")
        heading_share = matched_weight(normalize(" ".join(clause.path)), terms) / total
        title_share = matched_weight(normalize(clause.title), terms) / total
        if not (named or (heading_share >= 0.5 and heading_share > title_share)):
            continue
        family = [c for c in siblings(clause) if c.title]
        key = (named, round(heading_share, 6), -len(clause.path))  # a tie goes to the heading named, not one inside it
        if 2 <= len(family) <= 12 and (best_key is None or key > best_key):
            best, best_key = family, key
    if best and best[0].kind == "table_row":
        return filter_rows(best, terms)
    return best


def filter_rows(rows: list, terms: dict[str, float]) -> list:
    """Table rows the question selects by a cell value ("哪些是约束性指标", "省扶贫办提供数据的"):
    terms found in some rows but not all pick those rows; otherwise every row."""
    texts = [normalize(r.text) for r in rows]
    selective = [t for t in terms if len(t) > 1 and 0 < sum(t in x for x in texts) < len(rows)]
    if not selective:
        return rows
    chosen = [r for r, x in zip(rows, texts) if any(t in x for t in selective)]
    return chosen or rows


def related_last(citations: list[Citation], points: list[dict], listed: int = 0) -> tuple[list[Citation], list[dict]]:
    """Points about the household's situation rather than the need (qa/focus.py) after every other point,
    citations renumbered to match; the first `listed` citations (a list's items) stay first."""
    order = citations[:listed] + sorted(citations[listed:], key=lambda c: c.aspect.startswith(RELATED))
    if order == citations:
        return citations, points
    renumber = {c.rank: n for n, c in enumerate(order, 1)}
    for n, c in enumerate(order, 1):
        c.rank = n
    points = sorted(points, key=lambda p: is_related(p))
    for p in points:
        p["refs"] = [renumber[r] for r in p["refs"]]
    return order, points


def is_related(point: dict) -> bool:
    """A point retrieved for the household's situation rather than for what was asked (qa/focus.py)."""
    return (point.get("aspect") or "").startswith(RELATED)


def render_answer(analysis: Analysis, points: list[dict], items: list[dict] | None = None) -> str:
    if not points and not items:
        return NOT_COVERED
    lines = []
    if items:
        names = "；".join(f"{it['title']} [{it['ref']}]" for it in items)
        scope = "共" if items[0]["complete"] else "中符合的有"
        lines.append(f"{items[0]['heading']}{scope}{len(items)}项：{names}。")
    elif analysis.qtype == "list" and len(asked := [p for p in points if not is_related(p)]) > 1 \
            and all(p["title"] for p in asked):
        names = "、".join(f"{p['title']} [{p['refs'][0]}]" for p in asked)
        lines.append(f"相关措施包括：{names}。")
    if points:
        lead = points[0]
        lines.append(f"{lead['text']} [{lead['refs'][0]}]")
    grouped = any(p["aspect"] for p in points)
    for p in points[1:]:
        label = f"【{p['aspect']}】" if grouped and p["aspect"] else ""
        lines.append(f"- {label}{p['text']} [{p['refs'][0]}]")
    return "\n".join(lines)


PARTIAL_LEAD = "{missing}。以下是文件中与此相关的规定，供参考："


def partial_answer(missing: str, answer_text: str) -> str:
    """A partly covered question: what is missing first, then what the documents do say (cited)."""
    return PARTIAL_LEAD.format(missing=missing) + "\n" + answer_text
