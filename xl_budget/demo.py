"""Demo units of 承德县 (region 130821, year 2023) for trying the tools out.

``demo_books(seed, n)`` builds ``n`` well-filled units and one unit with a few realistic
mistakes, deterministically from ``seed``. ``python -m xl_budget.demo OUT_DIR`` writes them,
plus the imported seed document (河北省承德县科学技术协会, 2023), as standard workbooks.

The clean units follow the default (Hebei county) profile: 预算数 = 财政资金 + 其他资金, plans
that rise to 100% at 12月底, every indicator category (产出: 数量/质量/时效/成本, 效益,
满意度), values with their units, and a 指标值确定依据 on every row.

Project codes have the official shape (6-digit region + 2-digit year + P + 11 digits + a check
character, e.g. 13082123P00020010002T). The real check-character algorithm is not published
in the seed; the demo derives one from the digits, so the codes are well-formed, not real.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xl_budget.model import (
    Budget,
    BudgetBook,
    Department,
    DepartmentTarget,
    Indicator,
    Project,
    Schedule,
    Unit,
)
from xl_budget.values import parse_value

__all__ = ["REGION", "YEAR", "demo_books", "main", "project_code", "write_demo"]

REGION = "130821"
COUNTY = "承德县"
YEAR = 2023
_CHECK_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SEED_TEXT = "承德县科学技术协会_2023.txt"
SEED_WORKBOOK = "承德县科学技术协会_2023.xlsx"


def project_code(serial: int, kind: int, seq: int, region: str = REGION, year: int = YEAR) -> str:
    """A well-formed 项目编码: region + yy + "P" + 11 digits + a check character.

    The 11 digits are ``serial`` (5) + ``kind`` (2) + ``seq`` (4).
    """
    digits = f"{serial:05d}{kind:02d}{seq:04d}"
    body = f"{region}{year % 100:02d}P{digits}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2, 1, 6)
    total = sum(int(ch) * weights[i % len(weights)] for i, ch in enumerate(c for c in body if c.isdigit()))
    return body + _CHECK_CHARS[total % len(_CHECK_CHARS)]


# ------------------------------------------------------------------ catalogue
@dataclass(frozen=True)
class _Row:
    # One indicator: the value is a template; "{n}" takes a drawn count, "{cost}" the budget.
    level1: str
    level2: str
    name: str
    description: str
    value: str
    basis: str


@dataclass(frozen=True)
class _ProjectSpec:
    name: str
    use: str
    budget: tuple[int, int]  # range of the total, 万元
    other_share: float  # share of the budget from 其他资金 (0 = all fiscal)
    goals: tuple[str, ...]
    rows: tuple[_Row, ...]
    counts: tuple[tuple[int, int], ...] = ((10, 30),)


@dataclass(frozen=True)
class _UnitSpec:
    code: str
    name: str
    short: str
    serial: int
    overall: str
    targets: tuple[tuple[str, str, str], ...]
    projects: tuple[_ProjectSpec, ...]


P, E, S = "产出指标", "效益指标", "满意度指标"
SAT = "服务对象满意度指标"
PLAN, HIST, TRADE, COST = "计划标准", "历史标准", "行业标准", "预算支出标准"

_MEASURES = (
    "完善制度建设。制定完善机关预算绩效管理制度、资金管理办法，为实现全年预算绩效目标奠定基础。",
    "加强支出管理。优化支出结构，加快履行政府采购手续，及时支付资金，确保支出进度达标。",
    "加强绩效运行监控。按县财政局要求开展绩效运行监控，发现问题及时采取措施，确保绩效目标如期实现。",
    "做好绩效自评。开展上年度部门预算绩效自评，对发现的问题及时整改，提高财政资金使用效益。",
    "加强内部监督。对重大支出决策、资产处置等事项的决策和执行进行督导，确保财政资金安全有效。",
)

_AGRI = _UnitSpec(
    code="715001",
    name="河北省承德县农业农村局本级",
    short="承德县农业农村局",
    serial=301,
    overall=(
        "承德县农业农村局负责全县农业农村经济发展、乡村振兴和农产品质量安全工作。\n"
        "1、推进高标准农田建设，提高粮食综合生产能力。\n"
        "2、做好农业技术推广和新型职业农民培训，促进农民增收。\n"
        "3、加强农产品质量安全监管和动物疫病防控，保障农产品有效供给。"
    ),
    targets=(
        ("粮食生产和高标准农田建设", "稳定粮食播种面积，新建高标准农田，提高耕地质量。",
         "粮食播种面积稳定在规划目标以上，新建高标准农田验收合格率100%。"),
        ("农业技术推广", "推广主导品种和主推技术，培训新型职业农民。",
         "开展技术培训不少于20期，主推技术到位率不低于95%。"),
        ("动物疫病防控", "做好重大动物疫病强制免疫，防止区域性重大动物疫情发生。",
         "应免畜禽免疫密度不低于90%，免疫抗体合格率不低于70%。"),
    ),
    projects=(
        _ProjectSpec(
            name="高标准农田建设项目",
            use="土地平整、灌溉排水、田间道路等工程建设及监理、验收费用",
            budget=(180, 260), other_share=0.2,
            goals=("新建高标准农田{n}亩", "提高耕地质量等级和灌溉保证率", "工程按期完工并通过验收"),
            counts=((8000, 12000),),
            rows=(
                _Row(P, "数量指标", "新建高标准农田面积", "年度新建并验收的高标准农田面积", "≥{n}亩", PLAN),
                _Row(P, "质量指标", "工程验收合格率", "竣工验收合格的工程占全部工程的比例", "=100%", TRADE),
                _Row(P, "时效指标", "工程完工时间", "全部工程完工所需时间", "≤10个月", PLAN),
                _Row(P, "成本指标", "亩均建设成本", "每亩高标准农田建设投入", "≤0.3万元/亩", COST),
                _Row(E, "经济效益指标", "项目区粮食亩产增加", "项目区粮食单产较建设前增加量", "≥50公斤", HIST),
                _Row(E, "可持续影响指标", "工程设计使用年限", "田间工程设计使用年限", "≥15年", TRADE),
                _Row(S, SAT, "项目区农户满意度", "抽样调查项目区农户对工程的满意程度", "≥90%", PLAN),
            ),
        ),
        _ProjectSpec(
            name="农业技术推广与农民培训经费",
            use="技术培训场地、教材、专家授课及田间示范费用",
            budget=(20, 45), other_share=0.0,
            goals=("开展农业实用技术培训{n}期", "建设农业科技示范基地", "提高主推技术到位率"),
            counts=((20, 40),),
            rows=(
                _Row(P, "数量指标", "培训期数", "全年举办农业实用技术培训的期数", "≥{n}期", PLAN),
                _Row(P, "数量指标", "培训农民人次", "参加培训的农民人次", "≥1500人次", PLAN),
                _Row(P, "质量指标", "培训合格率", "考核合格人数占参训人数的比例", "≥95%", HIST),
                _Row(P, "时效指标", "培训完成时间", "全年培训任务完成时限", "≤11月", PLAN),
                _Row(P, "成本指标", "人均培训成本", "每人次培训支出", "≤150元/人次", COST),
                _Row(E, "社会效益指标", "主推技术到位率", "主推技术在示范区的应用比例", "≥95%", TRADE),
                _Row(S, SAT, "参训农民满意度", "问卷调查参训农民对培训的满意程度", "≥90%", PLAN),
            ),
        ),
        _ProjectSpec(
            name="重大动物疫病强制免疫经费",
            use="疫苗采购、免疫耗材及村级防疫员劳务补助",
            budget=(60, 90), other_share=0.3,
            goals=("完成春秋两季集中免疫", "应免畜禽免疫密度达到要求", "不发生区域性重大动物疫情"),
            counts=((150, 200),),
            rows=(
                _Row(P, "数量指标", "免疫畜禽数量", "全年强制免疫的畜禽数量", "≥{n}万头", PLAN),
                _Row(P, "质量指标", "应免畜禽免疫密度", "已免畜禽占应免畜禽的比例", "≥90%", TRADE),
                _Row(P, "时效指标", "集中免疫完成时间", "春秋两季集中免疫的完成时限", "≤6月", PLAN),
                _Row(P, "成本指标", "疫苗采购成本", "全年疫苗采购支出", "≤{cost}万元", COST),
                _Row(E, "社会效益指标", "区域性重大动物疫情发生次数", "全年发生区域性重大动物疫情的次数", "=0次", HIST),
                _Row(S, SAT, "养殖户满意度", "抽样调查养殖户对免疫服务的满意程度", "≥85%", PLAN),
            ),
        ),
    ),
)

_SCHOOL = _UnitSpec(
    code="704012",
    name="河北省承德县第一中学",
    short="承德县第一中学",
    serial=412,
    overall=(
        "承德县第一中学是县属全日制普通高级中学，承担全县高中阶段教育教学任务。\n"
        "1、落实立德树人根本任务，提高教育教学质量。\n"
        "2、改善办学条件，保障校园安全。\n"
        "3、落实学生资助政策，确保家庭经济困难学生应助尽助。"
    ),
    targets=(
        ("教育教学质量", "深化课堂教学改革，提高教育教学质量。", "学业水平考试合格率不低于95%。"),
        ("学生资助", "落实国家助学金政策，保障家庭经济困难学生顺利完成学业。", "资助资金按时足额发放率100%。"),
    ),
    projects=(
        _ProjectSpec(
            name="普通高中国家助学金",
            use="按标准发放家庭经济困难学生国家助学金",
            budget=(80, 120), other_share=0.0,
            goals=("资助家庭经济困难学生{n}人", "资助资金按学期足额发放"),
            counts=((500, 700),),
            rows=(
                _Row(P, "数量指标", "资助学生人数", "全年享受国家助学金的学生人数", "≥{n}人", PLAN),
                _Row(P, "质量指标", "资助对象认定准确率", "符合条件的受助学生占受助学生的比例", "=100%", PLAN),
                _Row(P, "时效指标", "资金发放时间", "每学期助学金发放完成时限", "≤2个月", PLAN),
                _Row(P, "成本指标", "生均资助标准", "每生每年资助金额", "≤2000元/人", COST),
                _Row(E, "社会效益指标", "受助学生辍学率", "受助学生中辍学学生的比例", "=0%", HIST),
                _Row(S, SAT, "受助学生满意度", "问卷调查受助学生及家长的满意程度", "≥95%", PLAN),
            ),
        ),
        _ProjectSpec(
            name="教学楼维修改造",
            use="教学楼屋面防水、门窗更换及消防设施改造",
            budget=(50, 80), other_share=0.1,
            goals=("完成教学楼维修改造{n}平方米", "消除校舍安全隐患", "工程验收合格"),
            counts=((3000, 5000),),
            rows=(
                _Row(P, "数量指标", "维修改造面积", "维修改造的校舍建筑面积", "≥{n}平方米", PLAN),
                _Row(P, "质量指标", "工程验收合格率", "竣工验收合格的工程占全部工程的比例", "=100%", TRADE),
                _Row(P, "时效指标", "工程完工时间", "暑期施工、开学前完工所需时间", "≤3个月", PLAN),
                _Row(P, "成本指标", "工程造价", "维修改造工程总造价", "≤{cost}万元", COST),
                _Row(E, "社会效益指标", "校舍安全隐患消除率", "已消除的安全隐患占排查隐患的比例", "=100%", PLAN),
                _Row(E, "可持续影响指标", "维修工程保修期", "施工单位承诺的保修年限", "≥5年", TRADE),
                _Row(S, SAT, "师生满意度", "问卷调查师生对维修效果的满意程度", "≥90%", PLAN),
            ),
        ),
    ),
)

_HEALTH = _UnitSpec(
    code="722001",
    name="河北省承德县卫生健康局本级",
    short="承德县卫生健康局",
    serial=517,
    overall=(
        "承德县卫生健康局负责全县医疗卫生、公共卫生和计划生育服务管理工作。\n"
        "1、实施国家基本公共卫生服务项目，提高居民健康水平。\n"
        "2、加强基层医疗卫生机构能力建设，方便群众就医。\n"
        "3、做好家庭医生签约服务和重点人群健康管理。"
    ),
    targets=(
        ("基本公共卫生服务", "为城乡居民免费提供基本公共卫生服务。", "居民电子健康档案建档率不低于90%。"),
        ("基层能力建设", "改善乡镇卫生院和村卫生室服务条件。", "配备基本医疗设备的村卫生室比例达到100%。"),
        ("家庭医生签约服务", "推进家庭医生签约服务，做实重点人群健康管理。", "重点人群签约服务覆盖率不低于75%。"),
    ),
    projects=(
        _ProjectSpec(
            name="基本公共卫生服务项目",
            use="按人均标准补助基层医疗卫生机构开展基本公共卫生服务",
            budget=(300, 420), other_share=0.25,
            goals=("为辖区常住人口提供基本公共卫生服务", "规范管理高血压、糖尿病患者{n}人", "提高居民健康素养水平"),
            counts=((18000, 24000),),
            rows=(
                _Row(P, "数量指标", "高血压和糖尿病患者规范管理人数", "纳入规范健康管理的两病患者人数", "≥{n}人", PLAN),
                _Row(P, "数量指标", "健康教育讲座次数", "乡镇卫生院全年举办健康教育讲座次数", "≥120次", PLAN),
                _Row(P, "质量指标", "居民电子健康档案建档率", "已建档人数占常住人口的比例", "≥90%", TRADE),
                _Row(P, "时效指标", "资金拨付时间", "补助资金拨付到基层机构的时限", "≤1个月", PLAN),
                _Row(P, "成本指标", "人均基本公共卫生服务经费补助标准", "按常住人口计算的人均补助", "≤89元/人", COST),
                _Row(E, "社会效益指标", "居民健康素养水平", "具备基本健康素养的居民比例", "≥25%", HIST),
                _Row(E, "可持续影响指标", "基本公共卫生服务长效机制", "项目管理与绩效考核机制运行情况", "长期", PLAN),
                _Row(S, SAT, "城乡居民对基本公共卫生服务满意度", "抽样调查居民的满意程度", "≥85%", PLAN),
            ),
        ),
        _ProjectSpec(
            name="村卫生室基本设备购置",
            use="为村卫生室配备诊疗、急救和健康一体机等基本设备",
            budget=(40, 70), other_share=0.0,
            goals=("为{n}个村卫生室配备基本设备", "设备验收合格并投入使用"),
            counts=((60, 90),),
            rows=(
                _Row(P, "数量指标", "配备设备的村卫生室数量", "完成设备配备的村卫生室个数", "≥{n}个", PLAN),
                _Row(P, "质量指标", "设备验收合格率", "验收合格设备占采购设备的比例", "=100%", TRADE),
                _Row(P, "时效指标", "设备到位时间", "设备采购并安装到位的时限", "≤6个月", PLAN),
                _Row(P, "成本指标", "设备采购成本", "设备采购总支出", "≤{cost}万元", COST),
                _Row(E, "社会效益指标", "村卫生室服务能力", "村卫生室常见病诊疗服务能力", "明显提升", PLAN),
                _Row(E, "可持续影响指标", "设备使用年限", "设备预计正常使用年限", "≥5年", TRADE),
                _Row(S, SAT, "村医满意度", "问卷调查村医对所配设备的满意程度", "≥90%", PLAN),
            ),
        ),
    ),
)

_CULTURE = _UnitSpec(  # the unit with mistakes
    code="726001",
    name="河北省承德县文化广电和旅游局本级",
    short="承德县文化广电和旅游局",
    serial=626,
    overall=(
        "承德县文化广电和旅游局负责全县文化、广播电视和旅游工作。\n"
        "1、开展群众文化活动，丰富群众精神文化生活。\n"
        "2、推进文化惠民工程，完善公共文化服务体系。"
    ),
    targets=(
        ("群众文化活动", "组织开展送戏下乡和群众文化活动。", "全年送戏下乡不少于100场。"),
        ("公共文化服务", "保障图书馆、文化馆免费开放。", "免费开放天数不少于300天。"),
    ),
    projects=(
        _ProjectSpec(
            name="送戏下乡文化惠民演出",
            use="文艺演出团体演出补助及舞台设备运输费用",
            budget=(20, 30), other_share=0.0,
            goals=("全年送戏下乡{n}场", "丰富农村群众文化生活"),
            counts=((100, 140),),
            rows=(
                _Row(P, "数量指标", "送戏下乡场次", "全年在行政村演出的场次", "≥{n}场", PLAN),
                _Row(P, "质量指标", "演出节目审核通过率", "通过审核的节目占全部节目的比例", "=100%", PLAN),
                _Row(P, "时效指标", "演出完成时间", "全年演出任务完成时限", "≤11月", PLAN),
                _Row(P, "成本指标", "场均演出补助", "每场演出的补助金额", "≤2000元/场", COST),
                _Row(E, "社会效益指标", "观众人次", "全年观看演出的群众人次", "≥3万人次", HIST),
                _Row(S, SAT, "群众满意度", "现场问卷调查观众满意程度", "≥90%", PLAN),
            ),
        ),
        _ProjectSpec(
            name="公共图书馆文化馆免费开放",
            use="场馆运行维护、开展公益讲座和培训",
            budget=(15, 25), other_share=0.0,
            goals=("图书馆、文化馆全年免费开放", "开展公益讲座和培训{n}次"),
            counts=((40, 60),),
            rows=(
                _Row(P, "数量指标", "公益讲座和培训次数", "全年举办公益讲座和培训的次数", "≥{n}次", PLAN),
                _Row(P, "质量指标", "免费开放服务达标率", "开放服务符合国家标准的比例", "≥95%", TRADE),
                _Row(P, "时效指标", "年免费开放天数", "场馆全年免费开放的天数", "≥300天", PLAN),
                _Row(P, "成本指标", "场馆运行成本", "全年场馆运行维护支出", "≤{cost}万元", COST),
                _Row(E, "社会效益指标", "年接待读者人次", "全年到馆读者和参与活动人次", "≥5万人次", HIST),
                _Row(S, SAT, "读者满意度", "问卷调查读者的满意程度", "≥90%", PLAN),
            ),
        ),
        _ProjectSpec(
            name="旅游宣传推介",
            use="旅游宣传品制作、旅游推介会及新媒体宣传费用",
            budget=(10, 20), other_share=0.0,
            goals=("举办旅游推介活动{n}次", "提升承德县旅游知名度"),
            counts=((3, 6),),
            rows=(
                _Row(P, "数量指标", "旅游推介活动次数", "全年举办或参加旅游推介会的次数", "≥{n}次", PLAN),
                _Row(P, "数量指标", "宣传品制作数量", "全年制作的旅游宣传品份数", "≥5000份", PLAN),
                _Row(P, "质量指标", "宣传内容审核通过率", "通过审核的宣传内容比例", "=100%", PLAN),
                _Row(P, "时效指标", "推介活动完成时间", "全年推介活动完成时限", "≤10月", PLAN),
                _Row(P, "成本指标", "宣传推介费用", "全年宣传推介支出", "≤{cost}万元", COST),
                _Row(E, "经济效益指标", "旅游综合收入增长率", "全县旅游综合收入较上年增长比例", "≥8%", HIST),
                _Row(S, SAT, "游客满意度", "抽样调查游客的满意程度", "≥85%", PLAN),
            ),
        ),
    ),
)

CLEAN_UNITS: tuple[_UnitSpec, ...] = (_AGRI, _SCHOOL, _HEALTH)
FLAWED_UNIT = _CULTURE
# Straight-line-or-ahead cumulative plans (P004-safe), each ending at 100%.
_PLANS: tuple[tuple[int, int, int, int], ...] = (
    (30, 60, 85, 100), (25, 55, 90, 100), (35, 65, 90, 100), (40, 70, 95, 100), (30, 50, 85, 100),
)


# ------------------------------------------------------------------ builders
def _money(rng: random.Random, low: int, high: int) -> Decimal:
    # A budget with two decimals, as units state them (万元).
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _project(rng: random.Random, spec: _ProjectSpec, code: str) -> Project:
    total = _money(rng, *spec.budget)
    other = (total * Decimal(str(spec.other_share))).quantize(Decimal("0.01")) if spec.other_share else None
    fiscal = total - (other or 0)
    counts = [rng.randint(lo, hi) for lo, hi in spec.counts]
    n = counts[0]
    cost = total if "{cost}" in "".join(r.value for r in spec.rows) else None
    indicators = [
        Indicator(
            level1=row.level1, level2=row.level2, name=row.name, description=row.description,
            value=parse_value(row.value.format(n=n, cost=cost)), basis=row.basis,
        )
        for row in spec.rows
    ]
    mar, jun, oct_, dec = (Decimal(v) for v in rng.choice(_PLANS))
    return Project(
        code=code,
        name=spec.name,
        budget=Budget(total=total, fiscal=fiscal, other=other),
        use=spec.use,
        schedule=Schedule(mar=mar, jun=jun, oct=oct_, dec=dec),
        goals=[g.format(n=n) for g in spec.goals],
        indicators=indicators,
    )


def _book(rng: random.Random, spec: _UnitSpec, n_projects: int | None = None) -> BudgetBook:
    specs = list(spec.projects)
    if n_projects is not None:
        specs = specs[:n_projects]
    projects = [
        _project(rng, p, project_code(spec.serial, 10 + i, 1 + rng.randint(0, 3)))
        for i, p in enumerate(specs)
    ]
    unit = Unit(code=spec.code, name=spec.name, county=COUNTY, year=YEAR,
                preparer="示例填报人", filled_on=dt.date(YEAR - 1, 12, 20))
    department = Department(
        overall=spec.overall,
        targets=[DepartmentTarget(title=t, goal=g, indicators=i) for t, g, i in spec.targets],
        measures=list(_MEASURES[: 3 + rng.randint(0, 2)]),
    )
    return BudgetBook(file=f"{spec.short}_{YEAR}.xlsx", unit=unit, department=department, projects=projects)


def _add_mistakes(book: BudgetBook) -> BudgetBook:
    """Three mistakes staff really make; everything else stays clean.

    * 项目1: 预算数 ≠ 财政资金 + 其他资金 (B002): 其他资金 was typed into 预算数 twice.
    * 项目2: the plan stops at 10月底, 12月底 left blank (P003).
    * 项目3: 游客满意度 planned at ≥70% (I009, below the profile minimum 80).
    """
    first = book.projects[0].budget
    first.other = Decimal("1.50")
    first.total = first.fiscal + first.other + Decimal("1.50")
    book.projects[1].schedule.dec = None
    sat = next(i for i in book.projects[2].indicators if i.level1 == S)
    sat.value = parse_value("≥70%")
    book.file = f"{FLAWED_UNIT.short}_{YEAR}_含错误.xlsx"
    return book


# ------------------------------------------------------------------ Public API
def demo_books(seed: int = 0, n: int = 3) -> list[BudgetBook]:
    """``n`` clean demo units (at most 3) and, last, one unit with a few realistic mistakes.

    Args:
        seed: seeds ``random.Random``; the same seed gives the same books.
        n: how many clean units (0–3).

    Returns:
        The books; ``book.file`` holds the suggested file name.
    """
    if not 0 <= n <= len(CLEAN_UNITS):
        raise ValueError(f"n must be between 0 and {len(CLEAN_UNITS)}")
    rng = random.Random(seed)
    books = [_book(rng, spec) for spec in CLEAN_UNITS[:n]]
    books.append(_add_mistakes(_book(rng, FLAWED_UNIT)))
    return books


def _find_seed(out: Path) -> Path | None:
    root = Path(__file__).resolve().parent.parent
    for path in (out / SEED_TEXT, root / "docs" / "seed" / SEED_TEXT,
                 Path("/work/shared/domain/000_af608ca57cb24a69.txt")):
        if path.is_file():
            return path
    return None


def write_demo(out: str | Path, seed: int = 0, n: int = 3, seed_text: str | Path | None = None) -> list[Path]:
    """Write the imported seed document and the demo units as workbooks into ``out``.

    Returns:
        The paths written (the seed workbook first when its text was found).
    """
    from xl_budget.importer import import_text
    from xl_budget.template import write_book

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    source = Path(seed_text) if seed_text is not None else _find_seed(out)
    if source is not None:
        path = out / SEED_WORKBOOK
        write_book(import_text(source), path)
        written.append(path)
    for book in demo_books(seed, n):
        path = out / (book.file or f"{book.unit.code}.xlsx")
        write_book(book, path)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xl_budget.demo [OUT_DIR] [--seed N]``: write the demo workbooks."""
    args = list(sys.argv[1:] if argv is None else argv)
    seed = 0
    if "--seed" in args:
        i = args.index("--seed")
        try:
            seed = int(args[i + 1])
        except (IndexError, ValueError):
            print("错误：--seed 后面应是整数", file=sys.stderr)
            return 2
        del args[i : i + 2]
    out = Path(args[0]) if args else Path("workbooks")
    for path in write_demo(out, seed=seed):
        print(f"已生成：{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
