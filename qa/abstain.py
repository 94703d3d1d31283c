"""The logical signals that the indexed documents do not (fully) answer a question.

All computed from the question, the corpus and the hits (never from known questions):
- the kind of fact asked for: a question asking for an amount of money, a percentage, a score, a phone
  number… is not answered by clauses that state no such fact — when the clauses are about its subject,
  the answer is partial and says what is missing (`missing_statement`);
- years the question names that no indexed document mentions (2023年的新政策), and places it asks
  about that none mentions (贵州的搬迁安置房): not covered;
- unexplained nouns: things the question is about that no document, synonym or concept knows
  (新冠, 公积金, 购车), one of the measurements the coverage model weighs (qa/coverage.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable

from indexer.normalize import normalize_uncached

from .facts import split_sentences, states_figure
from .types import Analysis, Hit

_QUANTITY = r"(多少|好多|几|若干|什么标准|啥标准|标准是)"   # 好多钱: 多少钱 in southwestern speech
_CN_NUMERAL = "零一二两三四五六七八九十百千万亿"
# an amount: in 元 (digits or Chinese numerals: 五百元), in 亿, or as a multiple of, or capped by, a standard
# the documents name (最低生活保障标准六倍以下, 每人每月一般不超过本市最低生活保障标准) or a share of a total
# (管理费用不得超过当年总支出的百分之十) — a multiple of a standard is an amount
_AMOUNT = re.compile(rf"\d[\d.,]*\s*(万|亿|千)?元|\d[\d.,]*\s*亿|[{_CN_NUMERAL}]+元|[\d.{_CN_NUMERAL}]+倍"
                     r"|(不超过|不低于|不高于|不得低于|不得超过)[^，,。；;]{0,14}(标准|百分之|\d[\d.]*\s*%)")
_FREE = r"免费|免除|免收|免交|全免|减免|不收费|免学费|免费用"   # "free" answers "how much does it cost"
# what a body's name ends with (中国建设银行, 腾讯公益平台, 协和医院): a list of them names which ones
_BODY = r"(?:公司|银行|医院|学校|大学|学院|平台|网站|网|基金会|协会|学会|中心|集团|合作社|委员会|研究院|研究所|部门|单位|机关|机构|政府|局|厅)"
# a place's name (建平县, 朝阳, 北票市): a few characters, not a description (有扶贫任务的非重点县, 12个市) nor a
# four-character phrase of a list of duties (目标确定、资金投入、组织动员)
_PLACE_NAME = r"[\u4e00-\u9fff]{1,3}(?:[(（][^()（）]{1,6}[)）])?"
# (name, question asks for it, evidence a clause must show)
ANSWER_TYPES = (
    # what the asker pays (上技校得花多少钱): "free" answers it; what is paid out (补多少钱) needs a figure
    ("cost", re.compile(r"(花|交|付|掏|缴)[^,，。?？!！]{0,3}(多少|几)|(要|收|出)多少钱"
                        # (学费补偿能给多少 asks what is paid back, not what is paid)
                        r"|(学费|收费)[^,，。?？!！补偿返退奖给发]{0,4}(多少|几)"),
     re.compile(rf"\d[\d.,]*\s*(万|亿|千)?元|[{_CN_NUMERAL}]+元|{_FREE}")),
    # (贷点钱养几头牛 counts cattle: 几 before a measure word of things counts them)
    ("money", re.compile(rf"(钱|元|块|工资|薪|金额|额度|租金|费用|价格|补贴标准|补助标准).{{0,6}}{_QUANTITY}(?!头|只|口|亩|间|台|辆|棵|匹|个|次)"
                         rf"|{_QUANTITY}.{{0,4}}(钱|元|块|工资|金额|钞票|票子)|(补|补助|补贴|发|给|领|拿|贷|借)(多少|好多|几)(?!个|人|户|次|项|年)"
                         # an amount named by what it is (多少供养金, 多少抚养费, 好多生活费, 多少补助款)
                         rf"|(多少|好多)[^,，。?？!！]{{0,4}}(金|费|款)(?![额融属项式])"
                         # and after it (抚恤金是多少, 丧葬费给多少)
                         r"|[\u4e00-\u9fff](金|费|款)(每月|每年|一个月|一年|一次)?(是|有|给|发|能领|能拿|标准是)?(多少|好多)(?!个|人|户|次|项|年|天|日|名|岁|亩|公里)"
                         r"|多少(亿|万元|万块)|(资金|投入|经费|拨款|投资).{0,8}多少(?!个|人|户|次|项|年|万人|亩)"
                         r"|(多少|好多)[^,，。?？!！]{0,6}(资金|经费|拨款|投资)"
                         r"|(补助|补贴|津贴|报酬|生活费)[^,，。?？!！]{0,3}多少(?!个|人|户|次|项|年|万人|亩|公里)"
                         # money taken off, refunded or shared out (每月能扣多少, 能报销多少, 每户能分多少, 减征多少)
                         r"|(扣|扣除|减征|减免|抵扣|报销|能报|可报|赔|赔偿|分红|能分|可分)(多少|几)(?!个|人|户|次|项|年|天|日|分|名|岁|万人|亩|公里|级|档|成)"
                         # a limit on money held or earned (存款上限是多少, 起付线多少, 每月收多少)
                         r"|(存款|储蓄|收入线|预警线|监测线|贫困线|扶贫线|上限|下限|封顶线|起付线)[^,，。?？!！]{0,6}(多少|好多)(?!个|人|户|次|项|年|天|日|名|岁|亩)"
                         r"|收(多少|好多)(?!个|人|户|次|项|年|天|日|名|岁|亩|万人)"),
     _AMOUNT),
    # (a rate by its name: 错退率不能超过多少, 贫困发生率降到了多少)
    ("percent", re.compile(r"百分之几|百分之多少|几成|(比例|比率|百分比|利率|利息|费率|[\u4e00-\u9fff]率)[^,，。?？!！]{0,8}(多少|几|多大|多高)"
                           r"|(多少|几).{0,4}(%|百分)"
                           r"|(多少|几|多大|多高)的?(比例|比率|比重)"),
     # (an indicator table's row gives the unit once: 义务教育巩固率(%): 2015年 93)
     re.compile(r"\d[\d.]*\s*%|百分之[\d一二三四五六七八九十百]+|[(（]%[)）]?[:：]?[^；;。]{0,12}\d")),
    ("score", re.compile(r"(加|降|减)(多少|几)分|几分(加分|录取)?$|多少分"),
     re.compile(r"\d+\s*分")),
    # a headcount (几名理事, 多少位领导): a clause stating one in digits or Chinese numerals
    ("headcount", re.compile(r"(?<!第)(几|多少)(名|位)(?!置|次)"),
     re.compile(rf"[\d{_CN_NUMERAL}]+\s*(名|位|人)")),
    # what offices tell, not plans: a phone number, opening hours, papers to bring, a service window,
    # a term of office, applying online
    ("phone", re.compile(r"(电话|热线|手机号|号码|联系方式)"),
     # (a number in a document's number or a date is no phone number: 国发〔2016〕64号 reads 201664号)
     re.compile(r"\d{3,4}-\d{7,8}|(电话|热线|号码|拨打|联系方式)[^，,。；;]{0,10}\d{5,}|(?<!\d)1[3-9]\d{9}(?!\d)")),
    ("account", re.compile(r"(账号|帐号|账户号|卡号|银行账户)"),
     re.compile(r"\d{6,}")),
    # a time limit in days or months (多少天内, 几个工作日): a deadline the clause states
    ("deadline", re.compile(r"(多少|几)个?(天|日|工作日|月)(内|之内|以内|能|可以|才|就)"),
     re.compile(rf"[\d{_CN_NUMERAL}]+个?(日|天|工作日|月)|即时|当日|当天")),
    # how many days or months one may stay or draw (救助站最多能住几天, 能领几个月): a clause stating that length
    ("stay", re.compile(r"(住|待|呆|停留|休|休息|请假|领|享受|安置|过渡|延长|停发|保留)[^,，。?？!！]{0,3}(多少|几)个?(天|日|月)(?!份)"),
     re.compile(rf"[\d{_CN_NUMERAL}]+个?(日|天|工作日|月)")),
    # how often, or how long before doing it again (隔多久才能再申请, 多久换届一次, 隔多久公开一次): a stated interval
    ("interval", re.compile(r"(间?隔|过)(多久|多长时间)|(多久|多长时间)(才能|才可以|可以|能|就能)?(再|重新)"
                            r"|(多久|多长时间)[^,，。?？!！]{0,4}一次"),
     re.compile(rf"每[^，,。；;]{{0,6}}(年|季度|月|周|日|天)|[\d{_CN_NUMERAL}]+个?(年|月|日|天|周|季度)(后|以后|之后|方可|才能|内不得)"
                rf"|[\d{_CN_NUMERAL}]+年一次|(年|月|季度)度?一次|满[\d{_CN_NUMERAL}]+个?(年|月|日|天)")),
    ("hours", re.compile(r"几点|上班时间|办公时间|工作时间|几点钟|周几|星期几"),
     re.compile(r"\d{1,2}\s*[:：点时]|上午|下午|星期[一二三四五六日]|周[一二三四五六日]")),
    ("papers", re.compile(r"(带|交|准备|提供|需要|要)(哪些|什么|啥|些)?(材料|证件|证明|手续|资料)"),
     re.compile(r"材料|证件|证明|手续|资料|申请书|身份证|户口")),
    # which window (到哪个窗口办): a window named is not asked for (受理窗口周六上不上班 asks its hours)
    ("window", re.compile(r"(哪个|哪|什么|啥)(窗口|柜台|大厅)|窗口[^,，。?？!！]{0,4}(在哪|是哪|叫啥|叫什么)"),
     re.compile(r"窗口|大厅|柜台|一站式|服务中心")),
    ("tenure", re.compile(r"任期|任职期限|干几年|当几年|连任"),
     re.compile(r"任期|任职.{0,6}年|连任|期满")),
    # what was actually achieved (实际完成了多少, 最后实现了吗): a plan states targets; only a clause reporting
    # a result (累计减少, 已完成, 实际投入) answers it
    ("actual", re.compile(r"实际(上)?(累计|一共|总共|共)?(完成|改造|脱贫|减贫|减少|发放|投入|到位|达到|实现|建成|建了|修了|退出|搬迁|搬了|安置|覆盖)[^,，。?？!！]{0,6}?(多少|几|没有|吗)"
                          r"|(最后|最终|到底)(完成|达到|实现|改造|脱贫|建成)[^,，。?？!！]{0,6}?(多少|几|没有|吗)|完成了多少|(目标|任务|计划)[^,，。?？!！]{0,8}(完成了吗|完成没有|实现了吗|实现没有|达到了吗|达到没有|完成了没)"),
     re.compile(r"(实际|累计|共|已经?|先后)(完成|实现|减少|脱贫|改造|投入|发放|建成|退出|解决)|减少了|完成了|实现了")),
    # how to do it (怎么办理, 去哪儿领, 怎么报名): a clause saying where, to whom or through what it is done
    ("procedure", re.compile(r"(怎么|怎样|如何|咋)(办理|申请|报名|领取|登记|备案|转移|接续|换领)|(去|在)哪(里|儿)?(办|领|申请|报名)"
                             r"|(怎么|怎样|如何|咋)办(手续|证)|办(手续|证)[^,，。?？!！]{0,4}(怎么|怎样|如何|咋)"
                             r"|(到|去)哪(里|儿)?[^,，。?？!！]{0,4}(办|领|申请|报名)|(办理|申请|报名)(流程|程序|步骤)"),
     re.compile(r"(向|到|由|经|通过)[^，,。；;]{1,24}(申请|提出|办理|报名|领取|审核|审批|登记|备案|发放|受理|核实|确认)"
                r"|(申请|受理)[^，,。；;]{0,12}(审核|审批|公示|核查|调查)|持[^，,。；;]{1,16}(到|向)"
                r"|(申请|办理|审核|审批|认定|登记|报名|领取)[^，,。；;]{0,4}(程序|手续|流程)")),
    # a lost card or certificate replaced (证书丢了怎么补办, 卡丢了去哪儿挂失): a clause saying how what is lost is
    # replaced, not how it is first applied for
    ("replacement", re.compile(r"补办|挂失|补发|补领|(丢了|弄丢|丢失|遗失|找不到了)[^。?？!！]{0,8}(怎么|怎样|如何|咋|去哪|到哪|哪里|哪儿)"),
     re.compile(r"补办|补发|补领|遗失|丢失|挂失|换发|重新(办理|发放|申领|核发)")),
    # how a figure is worked out (按什么公式计算, 怎么计算, 怎么算): a clause stating the basis or the rule
    ("calculation", re.compile(r"公式|(怎么|怎样|如何|咋)(计算|算|核算|折算|确定)|计算(方法|办法|方式)|按(什么|啥|哪些)[^,，。?？!！]{0,6}(计算|算|确定)"),
     re.compile(r"(按|按照|根据|以)[^，,。；;]{1,30}(计算|核算|折算|确定|核定|测算|为基数|为准)|乘以|之和|之差|比例|百分之|\d\s*%|倍")),
    # a day (几号发, 哪天起施行, 每月几号): a clause naming a day, not only a year or a month
    ("day", re.compile(r"几号|哪天|哪一天|哪日|几月几[日号]|(哪|什么)个?日子|每月(几|多少)[日号]"),
     re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]|(?<![\d年])\d{1,2}\s*[日号](?!\d)|每(月|年)[^，,。；;]{0,8}[日号]"
                r"|[一二三四五六七八九十]+月[一二三四五六七八九十]+日|秋分|春分|冬至|星期[一二三四五六日天]|周[一二三四五六日]"
                r"|(?<!\d)\d{1,2}\.\d{1,2}(?!\d)|初[一二三四五六七八九十]|(公布|发布|通过)之日")),
    # grades or classes (分几级, 分成几类, 按啥标准划分): a clause setting them out
    ("grading", re.compile(r"(分|分为|分成|划分为?)(几|多少)(级|个等级|个级别|档|个档次|类|等)|几个(等级|级别|档次)|几级(算|属于|才算|才是|为)"
                           r"|(按|依据|根据)(什么|啥|哪些)标准(划分|评定|认定|区分|分级|分)|(怎么|如何|咋)(划分|分级|定级|评定等级)"),
     re.compile(r"(分为|分成|划分为|设|设立|实行)[^，,。；;]{0,6}?[一二三四五六七八九十\d]+\s*(级|个等级|个级别|档|个档次|类|等)"
                r"|[一二三四五\dⅠⅡⅢⅣ]级[^。；;]{0,30}[二三四五六\dⅡⅢⅣ]级")),
    # an area (多少平方米, 多少亩): a clause stating one in its unit
    # (几亩地 in 俺家那几亩地 is how many fields the asker has, not a question)
    ("area", re.compile(r"(多少|多大)[^,，。?？!！]{0,2}(平方米|平米|平方|亩|公顷)|几个?(平方米|平米|平方)|面积[^,，。?？!！]{0,6}(多少|多大|几)"),
     re.compile(r"[\d一二三四五六七八九十百千万.]+\s*(平方米|平米|㎡|亩|公顷|平方公里)")),
    # a number of years (延长多少年, 满几年, 几年内): a clause stating a length in years, not a calendar year
    ("years", re.compile(r"(延长|满|期限|有效期|缓|免|停|禁止|交|缴|住|服务|补|贷|借|还)[^,，。?？!！]{0,4}(多少|几)个?年(?![级度])"
                         r"|(多少|几)个?年(内|以内|之内|期限|有效|为限|才能|才可以|就能)"),
     re.compile(r"(?<![\d])(?:[1-9]\d?|[一二三四五六七八九十两百]+)\s*个?(?:年|周年)(?![\d度底末初])")),
    # a calendar year (哪一年摘帽, 什么年份): a clause naming a year, in a sentence about the question
    # (国家乡村振兴局是什么时候组建的, 条例什么时候施行: when a body was set up or a law took effect is a year too)
    ("year", re.compile(r"哪一?年(?!级|龄|代)|(哪个|什么|啥)年(份|头)|(什么时候|啥时候|何时)[^,，。?？!！]{0,6}"
                        r"(成立|组建|挂牌|设立|撤销|合并|改名|更名|施行|实施|颁布|出台|发布|通过|修订|废止)"),
     re.compile(r"(?<!\d)(19|20)\d\d\s*年(?!代)|[〇零一二三四五六七八九]{4}年|十[一二三四五六七八九]五")),
    # which ones by name (哪几家平台, 具体有哪些银行): a clause naming several, or one in quotes
    ("names", re.compile(r"哪几家(?!庭)|哪些家(?![庭人])|(有|一共|共)几家|叫(啥|什么)名"
                         r"|具体(是|有)?哪(几|些)(个|家)?(平台|机构|银行|医院|学校|企业|公司|网站)"),
     re.compile(r"[^\s、，,。；;]{1,14}" + _BODY + r"(、[^\s、，,。；;]{1,14}" + _BODY + r")+|[“\"][^”\"]{2,20}[”\"]")),
    # which (N) places (具体是哪15个, 哪10个县, 哪些县; not 哪五个方面, 哪些县级部门): a clause listing short names
    # (朝阳、建平、喀左…; 阜新、朝阳、铁岭市)
    ("places", re.compile(r"哪([\d一二三四五六七八九十]+|几|些)个?(县|市|区|乡|镇|村)(?!域|级|委|政府|民)|哪[\d一二三四五六七八九十]+个([?？]|$)"),
     re.compile(rf"(?<![\u4e00-\u9fff\d]){_PLACE_NAME}(、{_PLACE_NAME}){{2,}}(?![\u4e00-\u9fff])"
                # or inside a sentence, the list's last name with its 市/县 (帮扶阜新、朝阳、铁岭市的基础上)
                rf"|[\u4e00-\u9fff]{{2,4}}(、[\u4e00-\u9fff]{{2,4}})+[市县](?!级|委|政府|人民|域)")),
    ("online", re.compile(r"(网上|在线|线上|手机|app|小程序|公众号|微信).{0,8}(申请|办理|办|报名|查询|查|认定|登记)"),
     re.compile(r"网上|在线|线上|互联网|手机|app|小程序|公众号|微信|信息平台")),
)
EVIDENCE_SHARE = 0.5   # a clause holding the asked-for kind of fact must hold this share of the question (set by hand, checked on calibration splits)

# what a partial answer says is missing, per kind of fact asked for
MISSING_KIND = {"cost": "具体收费金额", "money": "具体金额", "percent": "具体比例", "score": "具体分值", "headcount": "具体人数",
                "phone": "联系电话", "account": "账号", "deadline": "具体期限", "stay": "具体天数或月数", "interval": "间隔多长时间", "hours": "办公时间", "papers": "需要准备的材料", "window": "办理窗口",
                "tenure": "任期年限", "online": "网上办理的方式", "procedure": "具体办理方式", "replacement": "遗失后如何补办", "actual": "实际完成情况（文件只写了目标或计划）", "calculation": "具体计算方法", "day": "具体日期", "grading": "具体的分级或划分标准", "area": "具体面积标准",
                "years": "具体年限", "year": "具体年份", "figure": "所问的具体数字", "edition": "所问的版本", "names": "具体名单", "places": "具体名单", "scoped": "所问年份或地方的具体数字",
                "asserted": "问题中所说的这个数字"}
# a clause that leaves the figure to someone else: "标准由省级人民政府确定", "由各地制定具体标准"
_LEFT_TO = re.compile(r"(?:标准|金额|办法|比例)[^，,。；;]{0,6}?[，,]?\s*由([^，,。；;]{2,30}?)(?:确定|制定|规定|决定|公布)"
                      r"|由([^，,。；;]{2,30}?)(?:确定|制定|规定|决定)[^，,。；;]{0,8}?(?:标准|金额|办法|比例)")


def missing_statement(kind: str | None, clause_texts: list[str]) -> str:
    """One sentence saying what the documents do not state: "文件只规定由各地确定标准，没有具体金额"
    when a cited clause leaves it to someone, else "文件没有写明具体金额"."""
    what = MISSING_KIND.get(kind or "", "所问的具体内容")
    for text in clause_texts:
        m = _LEFT_TO.search(text)
        if m and kind in ("cost", "money", "percent", "score", "grading", "area"):
            who = (m.group(1) or m.group(2)).strip()
            return f"文件只规定由{who}确定标准，没有{what}"
    return f"文件没有写明{what}"


# a year, or a five-year-plan period (十四五): times the documents may never speak of
_TIME = re.compile(r"(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)|十[一二三四五六七八九]五")
PROVINCES = frozenset("北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
                      "海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split())
_PLACE_SUFFIX = re.compile(r"(自治区|自治州|自治县|省|市|县|区|州|旗|盟|乡|镇|村)$")


@dataclass
class AbstainSignals:
    unexplained: list[str] = field(default_factory=list)
    unmet_answer_type: str | None = None
    unknown_years: list[str] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)   # asked about, never mentioned (贵州, 黑龙江省, 《社会救助法》, 春蕾计划)
    place_only: list[str] = field(default_factory=list)   # the only question words the best clauses hold are these place names

    def to_json(self) -> dict:
        return {"unexplained": self.unexplained, "unmet_answer_type": self.unmet_answer_type,
                "unknown_years": self.unknown_years, "unknown_places": self.unknown_places, "place_only": self.place_only}


# kinds of fact whose clause often ranks below the clauses that merely name the subject (低保怎么申请 finds the
# plan's 完善低保制度 before the article saying where to apply): looked for in the first ten hits, and led with
# (qa.engine moves it first, so the signals below judge the answer it leads)
LOOKED_FOR_DEEPER = ("procedure", "calculation", "interval")
DEEPER = 10


def stating_hit(question: str, hits: list[Hit], about: Callable[[str], float] | None = None) -> int | None:
    """The rank of the first of the first DEEPER hits that is about the question and states how it is done
    or worked out, when that is what the question asks (LOOKED_FOR_DEEPER); None otherwise."""
    asked = answer_types(question)
    wanted = [(name, evidence) for name, evidence in asked if name in LOOKED_FOR_DEEPER]
    if not wanted or len(asked) > len(wanted):
        return None
    for rank, hit in enumerate(hits[:DEEPER]):
        text = normalize_uncached(clause_context(hit.clause))
        if (about is None or about(text) >= EVIDENCE_SHARE) and any(e.search(text) for _, e in wanted):
            return rank
    return None


def scoped_hit(analysis: Analysis, hits: list[Hit], about: Callable[[str], float]) -> int | None:
    """The rank, among the first DEEPER hits, of the first clause about the question that names every year a figure or
    date is asked for (2017年要减贫多少人), when none of the first three does: a plan's year-by-year targets are one
    long clause, ranked below shorter ones naming the subject."""
    if analysis.qtype not in ("number", "when") and not _WHICH_PLACE.search(analysis.normalized):
        return None
    years = scope_years(analysis.normalized)
    texts = [normalize_uncached(clause_context(hit.clause)) for hit in hits[:DEEPER]]
    if not years or any(all(names_time(text, y) for y in years) for text in texts[:3]):
        return None
    return next((rank for rank, text in enumerate(texts)
                 if all(names_time(text, y) for y in years) and about(text) >= EVIDENCE_SHARE), None)


# kinds of fact often stated in a sentence whose subject the one before it names ("…报乡镇人民政府审核。乡镇人民政府
# 应当自收到评议意见之日起20日内提出审核意见"; "对辽西北10县(市)差别化扶持。辽西北10县(市)包括朝阳、建平…"):
# looked for in the whole clause, not in a sentence
CARRIED_KINDS = frozenset({"deadline", "places"})
# kinds of fact rare enough that any of the best clauses stating one answers, though the question's other words
# are said otherwise (多久发一次 is answered by 每月发放一次 in a clause about 以货币形式给予社会救助)
ANYWHERE_KINDS = frozenset({"interval"})
# kinds of fact the lead clause answers wherever it states one, though in other words than the question's (一回最长能领
# 几个月 is answered by the 临时救助 article's 每次救助时间一般不超过三个月; 自来水普及率要搞到多少 by 自来水普及率达到80%
# at the end of a clause on 饮水安全). Amounts, years and days are not: a lead clause states too many of them.
LEAD_KINDS = frozenset({"stay", "percent"})


# kinds of figure: asked of a thing (存款超过多少, 过渡期是几年), stated of that thing
# (a deadline or a number of years is asked of an action: 乡镇多少天内出审核意见, 禁止多少年内担任)
FIGURE_KINDS = frozenset({"cost", "money", "percent", "score", "headcount", "area"})


def unmeasured(analysis: Analysis, hits: list[Hit], wordings: dict[str, list[str]]) -> str | None:
    """The kind of figure asked for when no sentence of the best clauses states one of the thing it is asked
    of (`analysis.measured`, in its own or its alias's wording): 浙江家里存款超过多少就不能吃低保 is not
    answered by 人均月收入在最低生活保障标准一点五倍以下, nor 过渡期是几年 by a plan's 2020年."""
    if not analysis.measured:
        return None
    asked = answer_types(analysis.normalized)
    kinds = [(name, evidence) for name, evidence in asked if name in FIGURE_KINDS]
    if not kinds and (asked or analysis.qtype != "number"):   # a deadline, a day, a procedure… is asked of an action
        return None
    # a rate, a sum or a fee is stated by what it is of (覆盖率 → 农村社区综合服务设施覆盖50%的建档立卡贫困村; 补助款 → 补助;
    # 投资额 → 总投资二百万元);
    # an alias by its whole wording (专项扶贫资金 → 财政扶贫资金), not by the pieces of it (财政, 管理)
    names = [w for m in analysis.measured
             for w in (m, *(w for w in wordings.get(m, ()) if len(w) >= len(m) or w in analysis.expansions),
                       *([m[:-1]] if len(m) > 2 and m.endswith(("率", "款", "费", "额")) else []))]

    def states(piece: str) -> bool:
        piece = _CITED.sub("", piece)   # a document's title or number states no figure (国发〔2016〕64号)
        return any(e.search(piece) for _, e in kinds) if kinds else states_figure(piece)

    for hit in hits[:3]:
        if any(any(n in sentence for n in names) and states(sentence)
               for sentence in read_sentences(normalize_uncached(hit.clause.text))):
            return None
    return kinds[0][0] if kinds else "figure"


# how or where a thing is applied for, or what to bring for it: said of that thing
APPLYING_KINDS = frozenset({"procedure", "papers", "window", "replacement"})


def unapplied(analysis: Analysis, hits: list[Hit], wordings: dict[str, list[str]]) -> str | None:
    """The kind of fact asked of how or where a thing is applied for (`analysis.applied`) that no sentence of the
    best clauses states of that thing, in its own or an alias's whole wording: 残疾证去哪儿办 is not answered by
    how 五保 is applied for, though both are applied for at a township."""
    kinds = [(name, evidence) for name, evidence in answer_types(analysis.normalized) if name in APPLYING_KINDS]
    if not analysis.applied or not kinds:
        return None
    names = [w for a in analysis.applied
             for w in (a, *(w for w in wordings.get(a, ()) if len(w) >= len(a) or w in analysis.expansions))]
    # a clause's headings may name the thing (专栏 残疾人证办理); its document's title names too much
    sentences = [s for hit in hits[:3]
                 for s in read_sentences(normalize_uncached(" ".join([*hit.clause.path, hit.clause.text])))
                 if any(n in s for n in names)]
    return next((name for name, evidence in kinds if not any(evidence.search(s) for s in sentences)), None)


# a document cited by title or number (《…》, 国发〔2016〕64号 normalised to 国发〔201664号)
_CITED = re.compile(r"《[^《》]*》|[\u4e00-\u9fff]{1,8}[〔\[(（]?\d{4}[〕\])）]?\d{1,4}号")


def read_sentences(clause_text: str) -> list[str]:
    """The sentences of a normalised clause, each '；'-separated piece read with the piece opening its sentence
    (具有公开募捐资格的基金会…不得低于…；年度管理费用不得超过…百分之十) and an enumerated item after a lead-in ending
    in '：' with that lead-in (对下列人员给予救助： (一)…)."""
    out, lead, opening = [], "", ""
    for start, end in split_sentences(clause_text):
        piece = clause_text[start:end]
        out.append((lead or opening) + piece)
        ends = piece.rstrip()
        if ends.endswith(("：", ":")):
            lead = piece
        opening = (opening or piece) if ends.endswith(("；", ";")) else ""
    return out


def stating_sentences(hits: list[Hit], about: Callable[[str], float]) -> list[str]:
    """The sentences of the hits (with their clause's title and headings) that are about the question."""
    out = []
    for hit in hits:
        heading = " ".join([hit.clause.doc_title, *hit.clause.path])
        for sentence in read_sentences(normalize_uncached(hit.clause.text)):
            text = f"{heading} {sentence}"
            if about(text) >= EVIDENCE_SHARE:
                out.append(text)
    return out


# asked what a thing is or covers (五保是保哪五样, 什么叫低保边缘家庭, 特困人员是指什么人)
_ASKS_DEFINITION = re.compile(r"是什么|指什么|指的是|是啥|啥叫|什么叫|什么是|何谓|具体指|是指|(管|保)哪(些|几样|五样|几个方面|五个方面)")
DEFINITION_DEPTH = 30


def asks_definition(question: str) -> bool:
    return bool(_ASKS_DEFINITION.search(question))


def defining_hit(question: str, words: list[str], hits: list[Hit]) -> int | None:
    """The rank, among the first DEFINITION_DEPTH hits, of the first clause defining one of the question's
    words (本条例所称农村五保供养，是指…; 低保边缘家庭，是指…) when the question asks what a thing is or covers."""
    if not asks_definition(question):
        return None
    words = [w for w in dict.fromkeys(words) if len(w) >= 2]
    for rank, hit in enumerate(hits[:DEFINITION_DEPTH]):
        text = normalize_uncached(hit.clause.text)
        if any(re.search(rf"所称[^，,。；;]{{0,12}}{re.escape(w)}|{re.escape(w)}[^，,。；;]{{0,8}}[，,]?是指", text) for w in words):
            return rank
    return None


def clause_context(clause) -> str:
    """A clause with what says what it is about: its document's title and its headings."""
    return " ".join([clause.doc_title, *clause.path, clause.text])


def answer_types(question: str) -> list[tuple[str, re.Pattern]]:
    """The kinds of fact the question asks for (an amount, a phone number…), with their evidence."""
    return [(name, evidence) for name, asks, evidence in ANSWER_TYPES if asks.search(question)]


def times_mentioned(text: str) -> list[str]:
    """The years (2016) and five-year-plan periods (十三五) a text names."""
    return _TIME.findall(text)


def names_time(text: str, time: str) -> bool:
    """Whether a text names the year or period: a period by itself or by a year of it (十二五 by 2011年至2015年)."""
    if time in text:
        return True
    digit = "一二三四五六七八九".find(time[1:2]) if len(time) == 3 and time[0] == "十" and time[2] == "五" else -1
    if digit < 0:
        return False
    first = 1966 + 5 * (digit + 8)
    return any(str(year) in text for year in range(first, first + 5))


def periods_of(years) -> set[str]:
    """The five-year-plan periods whose last year is among the years (2015 → 十二五: the third plan began in 1966,
    each lasts five years): a text giving 至2015年's figures speaks of what the 十二五 period achieved; a law of 2021
    says nothing of the 十四五 period."""
    out = set()
    for year in years:
        if year.isdigit() and 2006 <= int(year) <= 2050 and (int(year) - 1966) % 5 == 4:
            out.add(f"十{'一二三四五六七八九'[(int(year) - 1966) // 5 - 8]}五")
    return out


def unmet_answer_type(question: str, text: str, elsewhere: dict[str, str] | None = None) -> str | None:
    """The first kind of fact asked for that the text does not state: a question asking two things (要带哪些材料，
    去哪个派出所办) is not answered by a text stating one of them. `elsewhere`: a kind → more text in which it
    is looked for."""
    wanted = answer_types(question)
    if len(wanted) > 1:   # "按什么标准算多少钱" asks for the figure; how it is worked out comes with it
        wanted = [w for w in wanted if w[0] != "calculation"]
    names = {name for name, _ in wanted}
    # "哪年哪天" asks for the day, its year comes with it; 得花多少钱 asks what is paid, which "free" answers
    subsumed = ({"year"} if "day" in names else set()) | ({"money"} if "cost" in names else set())
    wanted = [w for w in wanted if w[0] not in subsumed]
    elsewhere = elsewhere or {}
    return next((name for name, evidence in wanted
                 if not evidence.search(text) and not evidence.search(elsewhere.get(name, ""))), None)


# where the asker is (我在温州, 俺家在朝阳县, 老家是贵州的): their whereabouts, not what they ask about
_ASKER_AT = r"(?:我|俺|咱|我们|俺们|咱们)(?:家|们家)?(?:现在|目前)?(?:在|是|住在|住|来自)|(?:住在|家在|老家在?|老家是|人在)"


def asker_places(normalized_question: str, places: list[str]) -> list[str]:
    """The places the question gives as the asker's own whereabouts, with the places that follow them
    (我是浙江温州的: 浙江 and 温州; 俺家在辽宁朝阳县)."""
    out: list[str] = []
    for p in places:
        if re.search(rf"(?:{_ASKER_AT})\s*{re.escape(p)}", normalized_question):
            out.append(p)
    grew = True
    while grew:   # a place written right after one of the asker's is a narrower one of theirs
        grew = False
        for p in places:
            if p not in out and any(re.search(rf"{re.escape(q)}(?:省|市)?\s*{re.escape(p)}", normalized_question) for q in out):
                out.append(p)
                grew = True
    return out


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


def signals(analysis: Analysis, hits: list[Hit], corpus_years: frozenset[str],
            explained: set[str], mentions: Callable[[str], bool] | None = None,
            about: Callable[[str], float] | None = None,
            wordings: dict[str, list[str]] | None = None,
            corpus_matches: Callable[[re.Pattern], bool] | None = None) -> AbstainSignals:
    """The logical signals of one question; `explained` are question words a synonym or concept covers;
    `about(text)` is the share of the question's salient content a text contains (qa/coverage.py)."""
    texts = [normalize_uncached(clause_context(h.clause)) for h in hits[:3]]
    top_text = " ".join(texts)
    words = [t for t in analysis.tokens if len(t) > 1] or analysis.tokens
    covered = [w for w in words if w in top_text or w in explained]
    # the fact asked for must be stated in a clause about what is asked, not anywhere near it
    on_subject = [t for i, t in enumerate(texts) if about is None or i == 0 or about(t) >= EVIDENCE_SHARE]
    elsewhere = {kind: " ".join(texts) for kind in ANYWHERE_KINDS} | {kind: texts[0] for kind in LEAD_KINDS if texts}
    unmet = unmet_answer_type(analysis.normalized, " ".join(on_subject), elsewhere)
    if unmet is None and about is not None and {k for k, _ in answer_types(analysis.normalized)} - CARRIED_KINDS:
        # the fact must be stated where the clause speaks of what is asked: 上海低保标准是多少 is not answered by
        # the 倍 of the same article's 临时救助 sentence, 迁户口要带啥证件 not by a 低保 article's 户口
        unmet = unmet_answer_type(analysis.normalized, " ".join(stating_sentences(hits[:3], about)), elsewhere)
    if unmet is None and wordings is not None:
        unmet = unmeasured(analysis, hits, wordings) or unapplied(analysis, hits, wordings)
    asked = [p for p in analysis.places if p not in asker_places(analysis.normalized, analysis.places)]
    if unmet is None:
        unmet = unmet_scope(analysis, texts, asked)
    if unmet is None:
        unmet = unstated_figure(analysis.normalized, texts)
    years = [t for t in times_mentioned(analysis.normalized) if t not in corpus_years]
    # a place asked about (its figures, its list, its date), not a place the asker comes from
    places = unknown_places(asked, mentions) if mentions and analysis.qtype not in ("yesno", "other") else []
    titles = (unknown_titles(analysis.normalized, mentions)
              + unheld_fields(analysis.normalized, mentions, corpus_matches=corpus_matches)) if mentions else []
    unexplained = [w for w in analysis.unknown_terms if w not in explained]
    titles += unknown_names(analysis.normalized, unexplained, analysis.tokens,
                            known=lambda w: w in explained or (mentions is not None and mentions(w)))
    return AbstainSignals(unexplained=unexplained, unmet_answer_type=unmet, unknown_years=years,
                          unknown_places=places + titles, place_only=only_places_found(covered, analysis.places))


def only_places_found(found_words: list[str], places: list[str]) -> list[str]:
    """The place names, when they are all the best clauses share with the question (明天沈阳下雨吗 finds
    沈阳 in a clause about pairing cities, and nothing of the weather): the clauses are about where, not
    what. Only named places count (沈阳, 朝阳县), not words the tagger calls places (城市, 农村)."""
    named = [p for p in places if p in PROVINCES or len(_PLACE_SUFFIX.sub("", p)) >= 2]
    if not named or not found_words:
        return []
    if all(any(w in p or p in w for p in named) for w in found_words):
        return [p for p in named if any(w in p or p in w for w in found_words)]
    return []


_TITLE = re.compile(r"《([^《》]{2,40})》")
# what names a programme, a platform, a fund, a card or a certificate: 春蕾计划, 浙里办平台, 惠农卡, 优待证
_NAME_SUFFIX = r"(?:计划|工程|行动|项目|基金|平台|app|小程序|公众号|热线|卡|证)"
# asking whether a thing is of a kind (水滴筹算不算…平台): the thing is what is asked about
_IS_IT = r"(?:算不算|是不是|属不属于|属于不属于|是否属于|算是)"
_QUOTED = re.compile(r"[“‘\"']([^“”‘’\"']{2,20})[”’\"']")


def unknown_names(normalized_question: str, unexplained: list[str], tokens: list[str] = (),
                  known: Callable[[str], bool] | None = None) -> list[str]:
    """Named things the question asks about that no document knows: a word no document uses that is a
    programme's, platform's, fund's, card's or certificate's name (春蕾计划, 驾驶证) or stands in quotes, or a
    quoted name none of whose own words any document uses or a synonym explains ('随申办', “安心计划”; not
    "先看病后付钱", whose 看病 is known). A resident asking about a named scheme the documents never mention asks about
    something else than what they cover, however many of the other words they share."""
    out = []
    quoted = [q for q in _QUOTED.findall(normalized_question) if not _TIME.fullmatch(q)]   # “十二五” is a time
    for word in unexplained:
        # (总里程计划是多少 asks the planned figure: a 计划 asked how much of names no programme)
        named = re.search(rf"{re.escape(word)}{_NAME_SUFFIX}(?!(?:是|为|有|大概|一共|共)?(?:多少|几))", normalized_question) \
            or re.fullmatch(rf".+{_NAME_SUFFIX}", word) \
            or re.search(rf"{re.escape(word)}[^、，,。？?\s]{{0,2}}(?:、[^、，,。？?]{{1,8}})*{_IS_IT}", normalized_question)
        if (named or any(word in q for q in quoted)) and word not in out:
            out.append(word)
    if known is not None:
        out += [a for a in unknown_awards(normalized_question, tokens, known) if a not in out]
        for name in quoted:
            # the name's own words, not the kind of thing it names (安心计划 is known by 安心, not 计划)
            words = [t for t in tokens if len(t) > 1 and t in name and not re.fullmatch(_NAME_SUFFIX, t)]
            if name not in out and not known(name) and not any(known(t) for t in words) \
                    and not any(w in name for w in out):
                out.append(name)
    return out


_AWARD_WORDS = frozenset("奖励 奖金 奖学金 奖助 奖补 奖惩 奖品 奖状 奖章 奖杯 奖牌".split())


def unknown_awards(normalized_question: str, tokens: list[str], known: Callable[[str], bool]) -> list[str]:
    """Awards the question names that no document does: a word the documents use with 奖 after it (中华慈善奖
    → 慈善奖, 全国脱贫攻坚奖 → 脱贫攻坚奖), when the documents never use the two together. Not 奖励, 奖金 or
    奖学金 (奖 begins a word of its own, not a tagger's cut like 奖设), not 几个奖 (a count), not a word the documents
    never use (a typo)."""
    out = []
    for m in re.finditer("奖", normalized_question):
        after, before = normalized_question[m.start():], normalized_question[:m.start()]
        if any(len(t) > 1 and t.startswith("奖") and after.startswith(t) and (known(t) or t in _AWARD_WORDS) for t in tokens):
            continue
        words = [t for t in tokens if len(t) >= 2 and before.endswith(t) and not re.search("[几多少哪啥]", t) and known(t)]
        if words:
            name = max(words, key=len) + "奖"
            if not known(name) and name not in out:
                out.append(name)
    return out


FIELDS_FILE = Path(__file__).resolve().parent.parent / "indexer" / "vocab" / "fields.tsv"


@lru_cache(maxsize=2)
def load_fields(path: Path = FIELDS_FILE) -> dict[str, str]:
    """term → the law or field it belongs to (indexer/vocab/fields.tsv): things of other fields of law."""
    out: dict[str, str] = {}
    if Path(path).exists():
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#") and "\t" in raw:
                term, law = raw.split("\t", 1)
                out["…".join(normalize_uncached(part) for part in term.strip().split("…"))] = law.strip()
    return out


# a term "A…B" of fields.tsv: A, then B within a few characters of the same phrase (公积金能不能取出来, 宅基地卖给)
_FIELD_GAP = "[^，,。；;？?！!\n]{0,8}"


@lru_cache(maxsize=512)
def field_pattern(term: str) -> re.Pattern:
    return re.compile(_FIELD_GAP.join(re.escape(part) for part in term.split("…")))


def unheld_fields(normalized_question: str, mentions: Callable[[str], bool],
                  fields: dict[str, str] | None = None,
                  corpus_matches: Callable[[re.Pattern], bool] | None = None) -> list[str]:
    """Things of another field of law the question asks about, which no indexed document uses (劳动合同, 个人所得税,
    遗嘱, 驾驶证): the collection does not hold that field's law, however many other words it shares with the
    question. A term "A…B" is a thing and what is done with it (公积金…取, 宅基地…卖), asked in any words between
    them, and used by the collection when any of its texts says them so (`corpus_matches`); it is named as the
    question words it. Longest first; a term inside a longer one found is not listed again."""
    fields = load_fields() if fields is None else fields
    out: list[str] = []
    for term in sorted(fields, key=len, reverse=True):
        if "…" in term:
            pattern = field_pattern(term)
            asked = pattern.search(normalized_question)
            if asked and corpus_matches is not None and not corpus_matches(pattern):
                if not any(asked.group(0) in o or o in asked.group(0) for o in out):
                    out.append(asked.group(0))
        elif term in normalized_question and not any(term in o for o in out) and not mentions(term):
            out.append(term)
    return out


def unknown_titles(normalized_question: str, mentions: Callable[[str], bool]) -> list[str]:
    """Documents the question names in 《》 that no indexed document is or cites as such (《社会救助法》 is not
    《社会救助暂行办法》; 《慈善法》 is 《中华人民共和国慈善法》)."""
    return [f"《{t}》" for t in _TITLE.findall(normalized_question)
            if not mentions(f"《{t}》") and not mentions(f"《中华人民共和国{t}》")]


# a figure the question states as a rule's threshold or term (延长三十年, 不低于低保标准的1.3倍, 报销到百分之九十,
# 65岁以上): its unit, by the words around it; not a figure of the asker's own situation (孩子三岁, 我妈71岁)
_FIGURE_UNITS = {"倍": "倍", "周岁": "岁", "岁": "岁", "个月": "月", "月": "月", "周年": "年", "年": "年", "个工作日": "日",
                 "工作日": "日", "天": "日", "日": "日", "万元": "元", "元": "元", "块": "元", "平方米": "平方米", "平米": "平方米",
                 "㎡": "平方米", "亩": "亩", "公里": "公里", "%": "%"}
_UNIT_WORDS = "|".join(sorted(_FIGURE_UNITS, key=len, reverse=True))
_FIGURE_VALUE = rf"(?:\d+(?:\.\d+)?|[{_CN_NUMERAL}]+(?:点[{_CN_NUMERAL}]+)?)"
_STATED_FIGURE = re.compile(rf"百分之{_FIGURE_VALUE}|(?<![\d{_CN_NUMERAL}第]){_FIGURE_VALUE}\s*({_UNIT_WORDS})")
_ASSERTED_FIGURE = re.compile(
    r"(?:不低于|不少于|不超过|不高于|不得低于|不得超过|不能超过|不能低于|超过|低于|高于|达到|延长|占到|提高到|降到|报销到|报到|补到|满)"
    rf"[^，,。；;？?！!]{{0,10}}?(百分之{_FIGURE_VALUE}|{_FIGURE_VALUE}\s*(?:{_UNIT_WORDS}))"
    rf"|(百分之{_FIGURE_VALUE}|(?<![\d{_CN_NUMERAL}第]){_FIGURE_VALUE}\s*(?:{_UNIT_WORDS}))(?:及?以上|及?以下|以内|之内)"
    # a length given to a period (五年过渡期, 3年的保护期): the documents must state that length
    rf"|(?<![\d{_CN_NUMERAL}第])({_FIGURE_VALUE}\s*个?(?:年|月))的?[\u4e00-\u9fff]{{0,2}}期(?!间)")


def figure_units(text: str) -> set[str]:
    """The units of the figures a text states (岁, 年, 元, %…): 百分之十 and 10% are both a %."""
    return {"%" if m.group(0).startswith("百分之") else _FIGURE_UNITS[m.group(1)] for m in _STATED_FIGURE.finditer(text)}


def asserted_units(normalized_question: str) -> set[str]:
    """The units of the figures a question states as a threshold or a term, leaving out calendar years."""
    question = _TIME.sub("", normalized_question)
    return {u for m in _ASSERTED_FIGURE.finditer(question)
            for u in figure_units(next(g for g in m.groups() if g))}


def unstated_figure(normalized_question: str, clause_texts: list[str]) -> str | None:
    """A threshold or term the question states (延长三十年吗, 报销到百分之九十吗, 不低于1.3倍吗) is only confirmed or
    corrected by a clause stating a figure of that unit: a clause stating none answers neither (15% is answered
    by 不得超过百分之十, a figure of the same unit)."""
    units = asserted_units(normalized_question)
    if not units:
        return None
    stated = figure_units(_CITED.sub("", " ".join(clause_texts)))
    return "asserted" if units - stated else None


# which place is asked for (贵州哪个市州, 对口帮扶哪几个县): asked within a named place, a clause naming it answers
_WHICH_PLACE = re.compile(r"哪(个|些|几个|[\d一二三四五六七八九十]+个)?(市州|地市|市|县|州|区|地区|乡镇|乡|镇|村)(?!域|级|委|政府|民)")


def unmet_scope(analysis: Analysis, clause_texts: list[str], asked_places: list[str]) -> str | None:
    """A figure, date or place asked for a named year or place ("朝阳县2017年底还有多少…", 贵州哪个市州) must come
    from a clause that names that year and place (or belongs to a document that does): figures of other years or
    of the whole province do not answer it. A year naming an edition (2016年版) is not a scope."""
    if analysis.qtype not in ("number", "when") and not _WHICH_PLACE.search(analysis.normalized):
        return None
    years = scope_years(analysis.normalized)
    places = [_PLACE_SUFFIX.sub("", p) or p for p in asked_places
              if _PLACE_SUFFIX.search(p) or p in PROVINCES]
    if not years and not places:
        return None
    if any(all(names_time(text, y) for y in years) and all(p in text for p in places) for text in clause_texts):
        return None
    return "scoped"


# a year naming an edition (2016年版, 2024年修正) or a document (按1999年的城市居民最低生活保障条例): not a scope
_EDITION = re.compile(r"(?:19|20)\d\d\s*年?\s*(?:版|修订|修正|修改)"
                      r"|(?:19|20)\d\d\s*年?\s*(?:的|出台的|发布的|颁布的|施行的)?\s*《?[^，,。；;？?]{0,24}(?:条例|办法|法|规定|规划|意见|通知)")


def scope_years(normalized_question: str) -> list[str]:
    """The years (and plan periods) a question asks its figures or dates for; not a year naming an edition.
    今年 is this calendar year, when no other year is named (今年的低保标准是多少: this year's figure)."""
    years = times_mentioned(_EDITION.sub("", normalized_question))
    if not years and "今年" in normalized_question:
        years = [str(date.today().year)]
    return years
