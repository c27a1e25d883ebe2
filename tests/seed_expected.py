"""The seed 绩效文本 (河北省承德县科学技术协会, 2023), typed by hand from the document.

Every value below was read off the seed text, not produced by the importer. Labels have the
PDF's stray spaces removed ("项目验收合格 率" → "项目验收合格率"); 指标值 are as printed.
Shared by tests/test_importer.py and tests/test_seed.py.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_NAME = "承德县科学技术协会_2023.txt"
SEED_CANDIDATES = (
    ROOT / "docs" / "seed" / SEED_NAME,
    Path("/work/shared/domain/000_af608ca57cb24a69.txt"),
)


def seed_path() -> Path:
    for path in SEED_CANDIDATES:
        if path.exists():
            return path
    raise FileNotFoundError(SEED_NAME)


UNIT = {"code": "731001", "name": "河北省承德县科学技术协会本级", "year": 2023, "county": "承德县"}

OVERALL_START = "承德县科学技术协会是全县科学技术工作者的群众组织，是中共承德县委领导下的人民团体"
OVERALL_END = "维护科技工作者的合法权益，建好科技工作者之家，全心全意为科技工作者服务。"

TARGETS = [
    {
        "title": "科学技术普及",
        "goal": "充分发挥科协作为党和政府联系科技工作者的桥梁纽带作用，进一步密切与科技工作者的联系。",
        "indicators": "各级学（协）会积极参加由县科协组织的一些活动，组织科技下乡、赶科技大集20次",
    },
    {
        "title": "开展科普活动",
        "goal": "全县范围内开展以农村实用技术培训为主要内容的科技培训活动。",
        "indicators": "邀请河北农大等大专院校的专家来我县授课，开展科技人才培训达10万余人次",
    },
    {
        "title": "实施科学素质提升行动，加强科普能力建设",
        "goal": "实施社会科普资源开发共享、县级特色科普工程，加强大众媒体科普传播能力建设",
        "indicators": "1、完成全国科普日河北主场活动且受益人群数量不少于1000人次；",
    },
    {
        "title": "实施为科技工作者服务工程，加强科技工作者之家建设",
        "goal": "1、充分发挥科协作为党和政府联系科技工作者的桥梁纽带作用，进一步密切与科技工作者的联系。2、开展服务企业",
        "indicators": "1、组织开展全国科技工作者日走访慰问活动，全年走访不少于100人次。2、2023年选树最美科技工作者20人。",
    },
]

MEASURES = [
    "完善制度建设。制定完善机关预算绩效管理制度、资金管理办法、工作保障制度等，为实现全年预算绩效目标奠定基础。",
    "加强支出管理。通过优化支出结构、编细编实预算、加快履行政府采购手续、尽快启动项目、及时支付资金、6月底前细化代编预算等措施，确保支出进度达标。",
    "加强绩效运行监控。按省财政厅要求开展绩效运行监控，发现问题及时采取措施，确保绩效目标如期保质实现。",
    "做好绩效自评。按省财政厅要求开展上年度部门预算绩效自评和重点评价工作，对评价中发现的问题及时整改，调整优化支出结构，提高财政资金使用效益。",
    "规范财务资产管理。严格执行财务相关规定，不断完善机关财务管理制度，严格审批程序，加强固定资产登记、使用和报废处置管理，做到支出合理，物尽其用。",
    "加强内部监督。加强机关内部监督制度建设，对绩效运行情况、重大支出决策、资产处置及其他重要经济业务事项的决策和执行进行督导，对会计资料进行内部审计，并配合做好审计、财政监督等外部监督工作，确保财政资金安全有效。",
    "加强宣传培训调研等。加强机关财务人员培训，提高业务人员能力和水平。加强调研，提出优化财政资金配置、提高资金使用效益的意见建议。加大宣传力度，强化机关干部预算绩效管理意识，进一步提升机关预算绩效管理水平。",
]

P = "产出指标"
E = "效益指标"
S = "满意度指标"
SAT = "服务对象满意度指标"
PLAN = "年初工作计划"


def _table(values: dict[str, str], basis: str | None, satisfaction: str, sat_desc: str) -> list[tuple]:
    # Tables 2–4 share one row layout; only the numbers (and 依据) differ.
    return [
        (P, "数量指标", "培训次数", "培训次数", values["培训次数"], basis),
        (P, "数量指标", values["count_name"], values["count_name"], values["count"], basis),
        (P, "质量指标", "服务水平", "服务水平", "≥95", basis),
        (P, "时效指标", "支付时效", "资金按时支出", values["time"], basis),
        (P, "时效指标", "按期完成资金支付", "按期完成资金支付", values["time"], basis),
        (P, "成本指标", "项目预算控制数", "项目预算控制数", values["cost"], basis),
        (E, "经济效益指标", "节本增效", "节本增效", values["节本增效"], basis),
        (E, "社会效益指标", "培训合规率", "培训合规率", values["培训合规率"], basis),
        (S, SAT, satisfaction, sat_desc, values["满意度"], basis),
    ]


# (level1, level2, name, description, value raw, basis)
PROJECTS = [
    {
        "code": "13082123P00020010002T",
        "name": "安可设备购置",
        "budget": (Decimal("0.91"), Decimal("0.91"), None),
        "use": "安可设备购置",
        "schedule": (None, None, Decimal(100), None),
        "goals": ["安可设备购置"],
        "indicators": [
            (P, "数量指标", "购买数量", "购买数量", "1", PLAN),
            (P, "质量指标", "项目验收合格率", "项目验收合格率", "≥100", PLAN),
            (P, "质量指标", "购置设备合格率", "购置设备合格率", "≥100", PLAN),
            (P, "质量指标", "设备性能良好", "设备性能良好", "≥100", PLAN),
            (P, "时效指标", "一年", "一年", "≤1", PLAN),
            (P, "成本指标", "预算数", "预算数", "≤0.91", PLAN),
            (E, "社会效益指标", "信息网络系统安全", "信息网络系统安全", "≥90", PLAN),
            (E, "可持续影响指标", "设备购置类项目持续使用时间（年",
             "设备购置类项目持续使用时间（年）", "≤10", PLAN),
            (E, "经济效益指标", "经济效益指标", "经济效益指标", "≥90", PLAN),
            (S, SAT, "资产使用者满意度", "资产使用者满意度", "≥90", PLAN),
        ],
    },
    {
        "code": "13082123P00019310001H",
        "name": "科协科普工作经费",
        "budget": (Decimal("4.86"), Decimal("4.86"), None),
        "use": "举办相关活动和培训的场地材料、办公用品费等",
        "schedule": (Decimal(30), Decimal(60), Decimal(85), Decimal(100)),
        "goals": ["科技周、科普日活动等", "举办中小学、青少年创新大赛等", "科普示范基地、协会创建和培训活动等"],
        "indicators": _table(
            {"培训次数": "≥4", "count_name": "制作展牌数量", "count": "≥50", "time": "≤4.86",
             "cost": "4.86", "节本增效": "≥80", "培训合规率": "≥80", "满意度": "≥90"},
            PLAN, "群众满意度（%）", "群众满意度（%）",
        ),
    },
    {
        "code": "13082123P00019610001J",
        "name": "老科协科普工作经费",
        "budget": (Decimal("3.00"), Decimal("3.00"), None),
        "use": "举办相应活动材料费、办公费场地费等",
        "schedule": (Decimal(30), Decimal(60), Decimal(85), Decimal(100)),
        "goals": ["举办科技周、科普日活动", "指导科普示范基地、协会创建和培训活动", "加强乡镇、村、社区等科普组织建设"],
        "indicators": _table(
            {"培训次数": "≥3", "count_name": "制作宣传品的数量", "count": "≥30", "time": "≤3",
             "cost": "3", "节本增效": "≥90", "培训合规率": "≥90", "满意度": "≥90"},
            None, "群众满意度（%）", "群众满意度（%）",
        ),
    },
    {
        "code": "13082123P00028810001E",
        "name": "科学技术协会关于提前下达2023年支持市县科技创新和科学普及专项资金预算-冀财教[2022]166号",
        "budget": (Decimal("6.00"), Decimal("6.00"), None),
        "use": "科技创新、科学普及",
        # "3 月底 | | 6 月底 | | 10 月底" over "30% | | 60% | | 85%": no 12月底 at all (P003).
        "schedule": (Decimal(30), Decimal(60), Decimal(85), None),
        "goals": ["科学技术培训等", "科技创新", "全国科普日、科普周普及活动"],
        "indicators": _table(
            {"培训次数": "≥5", "count_name": "制作展牌数量", "count": "≥50", "time": "≤6",
             "cost": "6", "节本增效": "≥95", "培训合规率": "≥90", "满意度": "≥95"},
            None, "群众满意度(%)", "群众满意度(%)",
        ),
    },
]
