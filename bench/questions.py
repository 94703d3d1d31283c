"""Questions the latency benchmarks ask: varied in wording, length and kind, written for bench/.

They are not the evaluation set (eval/ scores answers; here only time is measured), so they carry no
gold clauses. The mix mirrors who asks: residents in colloquial speech, village cadres in working
shorthand, and formal questions in the plan's own terms; number, list, yes/no and multi-aspect
questions; a few that the plan does not answer, which take the abstention path.
"""
from __future__ import annotations

COLLOQUIAL = [
    "俺爹住院花了不少钱,能报销多少",
    "家里穷孩子上高中学费能免吗",
    "俺家房子墙都裂了,能给修修不",
    "村里路太烂了啥时候能修",
    "我在外地打工,回来能找到活干吗",
    "闺女考上大学了,家里拿不出学费咋办",
    "老两口没儿没女,以后谁来管",
    "家里有个瘫在床上的残疾人,有补贴没",
    "喝水不干净,村里能通上自来水不",
    "种蘑菇赚钱吗,政府给不给扶持",
    "看个病要先把钱交上吗",
    "低保一个月能领多少钱",
    "孩子在家没人管,爹妈都出去打工了,有人照看不",
    "想贷点款养牛,有没有不要利息的",
    "俺们村能不能搞个光伏发电分红",
]

CADRE = [
    "低保户得了大病医疗救助怎么兜底",
    "D级危房改造对特困人员有什么政策",
    "建档立卡贫困户子女读中职有哪些资助",
    "贫困残疾人家庭能享受哪些帮扶",
    "两后生参加职业培训有什么补助",
    "易地扶贫搬迁的贫困户怎么安排就业",
    "贫困村第一书记和驻村工作队的职责",
    "扶贫小额信贷的额度和贴息政策",
    "留守儿童和留守老人关爱服务怎么落实",
    "生态护林员从哪些贫困人口中选聘",
    "电商扶贫站点建设每个重点县要建多少",
    "贫困人口慢性病签约服务怎么开展",
]

FORMAL = [
    "“十三五”期间全省农村贫困人口脱贫的总体目标是什么?",
    "到2020年重点县农村居民人均可支配收入增长幅度有何要求?",
    "规划对贫困地区基本医疗保险和大病保险的倾斜政策有哪些?",
    "农村最低生活保障制度与扶贫开发政策如何有效衔接?",
    "贫困地区义务教育学校标准化建设的主要任务是什么?",
    "旅游扶贫工程包括哪些具体项目?",
    "资产收益扶贫的实施方式和收益分配原则是什么?",
    "省内对口帮扶的结对关系和帮扶内容如何确定?",
    "财政专项扶贫资金投入和整合使用的要求是什么?",
    "脱贫攻坚考核评估和督查问责机制如何建立?",
    "贫困地区农村公路建设的目标是什么?",
    "社会组织和志愿者参与扶贫有哪些支持措施?",
    "科技特派员在产业扶贫中承担哪些任务?",
    "生态保护补偿资金如何向贫困地区倾斜?",
    "贫困地区农村电网改造升级的要求有哪些?",
    "新型农业经营主体带动贫困户增收的利益联结机制有哪些形式?",
    "军队和武警部队如何参与地方脱贫攻坚?",
    "贫困人口参加城乡居民基本养老保险的缴费由谁代缴?",
]

OUT_OF_SCOPE = [
    "北京市公积金贷款最高额度是多少?",
    "新能源汽车购置税减免政策什么时候到期",
    "个人所得税专项附加扣除怎么申报",
    "上海落户积分怎么算",
    "广州地铁票价多少钱",
]

QUESTIONS: list[str] = COLLOQUIAL + CADRE + FORMAL + OUT_OF_SCOPE

# Used only to warm caches before timing; never among the timed questions.
WARMUP = ["贫困户能享受哪些政策", "扶贫资金怎么用"]
