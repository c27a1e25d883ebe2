"""The rule-fixture builder: YAML cases (Chinese keys, as staff know them) → a real workbook.

A case overrides ONE CORRECT BASE PROJECT (``BASE_PROJECT``) and writes the whole book with
``template.write_book`` to a real .xlsx, then puts raw ``cells`` into it with openpyxl (through
``writeback.save_workbook``, so formula cells keep their cached values), reads it back with
``parse.read_book`` and runs every rule with ``check.check_book`` (via ``check.check_file``).

Case keys (top level):
    project      overrides of BASE_PROJECT (one project in the book)
    projects     a list of overrides; entry i overrides CORRECT_PROJECTS[i % 4] (distinct codes)
    unit         {单位编码, 单位名称, 所属县区, 预算年度} overrides of UNIT
    department   {总体绩效目标, 分项绩效目标: [[title, goal, indicators]], 工作保障措施: [str]}
                 overrides of DEPARTMENT; ``department: null`` gives an empty department
    profile      a built-in profile name or TOML path (default profile when absent)
    cells        {"项目1!C4": raw value} written after the book (text in number cells, …)
    findings     expected findings [{code, field, cell, severity}] (only given keys compared)
    file_text    write this text as the file instead of a workbook (F001: not a spreadsheet)
    file_zip     {member: text}: write a zip with these members instead (a .docx renamed, …)
    note         free text, ignored

Project keys: 项目编码, 项目名称, 预算数, 财政资金, 其他资金, 资金用途, 3月底, 6月底, 10月底,
12月底, 绩效目标, 指标, 追加指标, 删除指标, 改指标, and 基础 (a kind of CORRECT_BY_KIND to start
from instead of the default base). A number key given as TEXT ("４.８６", "30%", "2000万") is
typed into its cell as text, exactly as staff type it; the model gets the number when the text
reads as one, so the workbook's own totals stay consistent.

Where BASE_PROJECT lands on sheet 项目1 (pinned by a test, so fixtures may name cells):
项目编码 B3, 项目名称 E3, 预算数 C4, 财政资金 E4, 其他资金 G4, 资金用途 B5, 3/6/10/12月底
B7/D7/E7/F7, 绩效目标 C9:C11, indicator header row 12, indicator rows 13–19 (指标值 in E,
依据 in F). 单位信息: 单位编码 B2, 单位名称 B3, 预算数合计 B12. 部门整体绩效目标: 总体 A3.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from xl_budget.check import check_file
from xl_budget.findings import Finding
from xl_budget.grids import parse_a1
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
from xl_budget.parse import read_book, to_decimal
from xl_budget.profile import load_profile
from xl_budget.template import project_geometry, write_book
from xl_budget.values import parse_value, to_halfwidth

Row = list[Any]  # [一级, 二级, 三级, 描述, 指标值, 依据]

# ------------------------------------------------------------------ the correct book
UNIT: dict[str, Any] = {
    "单位编码": "731001",
    "单位名称": "河北省承德县科学技术协会本级",
    "所属县区": "承德县",
    "预算年度": 2023,
}

DEPARTMENT: dict[str, Any] = {
    "总体绩效目标": "加强科普组织网络和科普队伍建设，普及科学知识，开展实用技术培训，提高全县人民科学文化素质。",
    "分项绩效目标": [
        ["科学技术普及", "加强科普组织网络和科普队伍建设，普及科学知识。",
         "组织科技下乡、赶科技大集不少于20次，发放科普资料不少于5万份。"],
        ["开展科普活动", "全县范围内开展以农村实用技术培训为主要内容的科技培训活动。",
         "开展科技培训不少于10期，乡镇干部受教育面达到90%以上。"],
    ],
    "工作保障措施": ["完善制度建设，制定预算绩效管理制度。", "加强支出管理，确保支出进度达标。",
                "加强绩效运行监控，发现问题及时整改。"],
}

_EQUIPMENT: dict[str, Any] = {
    "项目编码": "13082123P00020010002T",
    "项目名称": "办公设备购置",
    "预算数": 8.00, "财政资金": 7.50, "其他资金": 0.50,
    "资金用途": "购置计算机、打印机等办公设备",
    "3月底": 30, "6月底": 60, "10月底": 85, "12月底": 100,
    "绩效目标": ["完成办公设备购置并投入使用", "提升机关信息化办公水平", "保障信息网络系统安全运行"],
    "指标": [
        ["产出指标", "数量指标", "购置设备数量", "购置计算机及打印机的台数", "=20台", "计划标准"],
        ["产出指标", "质量指标", "设备验收合格率", "到货设备经验收合格的比例", "=100%", "行业标准"],
        ["产出指标", "时效指标", "采购完成及时率", "在计划时限内完成采购的比例", "=100%", "计划标准"],
        ["产出指标", "成本指标", "设备购置成本", "购置设备的总支出", "≤8万元", "预算支出标准"],
        ["效益指标", "社会效益指标", "机关办公效率", "设备投入使用后办公效率的变化", "明显提升", "计划标准"],
        ["效益指标", "可持续影响指标", "设备使用年限", "设备可正常使用的年限", "≥6年", "行业标准"],
        ["满意度指标", "服务对象满意度指标", "使用人员满意度", "设备使用人员对设备的满意程度", "≥90%", "计划标准"],
    ],
}

_TRAINING: dict[str, Any] = {
    "项目编码": "13082123P00019310001H",
    "项目名称": "科协科普工作经费",
    "预算数": 4.86, "财政资金": 4.86, "其他资金": None,
    "资金用途": "举办科普活动和培训的场地、材料及办公用品费",
    "3月底": 25, "6月底": 50, "10月底": 85, "12月底": 100,
    "绩效目标": ["举办科技周、科普日活动", "举办中小学、青少年创新大赛", "开展科普示范基地创建和培训活动"],
    "指标": [
        ["产出指标", "数量指标", "培训次数", "全年举办科普培训的次数", "≥4次", "计划标准"],
        ["产出指标", "数量指标", "制作展牌数量", "制作科普宣传展牌的数量", "≥50块", "计划标准"],
        ["产出指标", "质量指标", "培训合格率", "参训人员考核合格的比例", "≥95%", "历史标准"],
        ["产出指标", "时效指标", "培训按时完成率", "按计划时间完成的培训占比", "=100%", "计划标准"],
        ["产出指标", "成本指标", "人均培训成本", "每人次培训的平均支出", "≤200元/人次", "预算支出标准"],
        ["效益指标", "社会效益指标", "公众科学素质", "参训群众科学素质的变化", "明显提升", "计划标准"],
        ["满意度指标", "服务对象满意度指标", "参训群众满意度（%）", "参训群众对培训的满意程度", "≥90", "历史标准"],
    ],
}

_BUILDING: dict[str, Any] = {
    "项目编码": "13082123P00031510003K",
    "项目名称": "村级科普活动室建设",
    "预算数": 50.00, "财政资金": 40.00, "其他资金": 10.00,
    "资金用途": "新建村级科普活动室3处及配套设施",
    "3月底": 10, "6月底": 40, "10月底": 80, "12月底": 100,
    "绩效目标": ["新建村级科普活动室3处", "改善农村科普活动条件"],
    "指标": [
        ["产出指标", "数量指标", "新建科普活动室数量", "年内新建的村级科普活动室", "=3处", "计划标准"],
        ["产出指标", "质量指标", "工程验收合格率", "竣工验收合格的工程比例", "=100%", "行业标准"],
        ["产出指标", "时效指标", "工程按期完工率", "按合同工期完工的工程比例", "=100%", "计划标准"],
        ["产出指标", "成本指标", "单处建设成本", "每处活动室的建设支出", "≤16万元", "预算支出标准"],
        ["效益指标", "社会效益指标", "受益村民人数", "活动室覆盖的村民人数", "≥3000人", "计划标准"],
        ["效益指标", "可持续影响指标", "活动室使用年限", "活动室可持续使用的年限", "≥20年", "行业标准"],
        ["满意度指标", "服务对象满意度指标", "村民满意度", "受益村民对活动室的满意程度", "≥85%", "历史标准"],
    ],
}

_SUBSIDY: dict[str, Any] = {
    "项目编码": "13082123P00042010004M",
    "项目名称": "科技示范户补助",
    "预算数": 12.00, "财政资金": 12.00, "其他资金": 0,
    "资金用途": "对科技示范户发放技术推广补助",
    "3月底": 20, "6月底": 50, "10月底": 100, "12月底": None,
    "绩效目标": ["扶持科技示范户60户，推广实用技术"],
    "指标": [
        ["产出指标", "数量指标", "补助示范户数量", "获得补助的科技示范户户数", "≥60户", "计划标准"],
        ["产出指标", "质量指标", "补助资金发放准确率", "按标准足额发放补助的比例", "=100%", "计划标准"],
        ["产出指标", "时效指标", "补助资金发放及时率", "在规定时限内发放补助的比例", "=100%", "计划标准"],
        ["产出指标", "成本指标", "户均补助标准", "每户科技示范户的补助金额", "≤2000元/户", "预算支出标准"],
        ["效益指标", "经济效益指标", "示范户增收", "示范户年均收入的增加", "≥3000元", "历史标准"],
        ["效益指标", "社会效益指标", "带动农户数量", "示范户带动周边农户采用新技术的户数", "≥300户", "计划标准"],
        ["满意度指标", "服务对象满意度指标", "示范户满意度", "示范户对补助政策的满意程度", "≥90%", "计划标准"],
    ],
}


# Kinds of project clerks in other departments write, each correct as typed there: units such
# as 场次/班次 and 元/生·年, deadlines such as "≤12月底", caps such as "≤2辆" and "≤0起".

_STUDENT_AID: dict[str, Any] = {
    "项目编码": "13082123P00050010005A",
    "项目名称": "家庭经济困难学生生活补助",
    "预算数": 120.00, "财政资金": 120.00, "其他资金": None,
    "资金用途": "按标准向家庭经济困难学生发放生活补助",
    "3月底": 30, "6月底": 60, "10月底": 85, "12月底": 100,
    "绩效目标": ["资助家庭经济困难学生不少于1000人，保障其顺利完成学业"],
    "指标": [
        ["产出指标", "数量指标", "资助学生人数", "享受生活补助的家庭经济困难学生人数", "≥1000人", "计划标准"],
        ["产出指标", "质量指标", "资助对象认定准确率", "资助对象符合认定条件的比例", "=100%", "行业标准"],
        ["产出指标", "时效指标", "资金发放时间", "补助资金发放到学生账户的时间", "2023年12月底前", "计划标准"],
        ["产出指标", "成本指标", "小学生活补助标准", "每名小学生每年补助金额", "=1000元/生·年", "预算支出标准"],
        ["产出指标", "成本指标", "初中生活补助标准", "每名初中生每年补助金额", "=1250元/生·年", "预算支出标准"],
        ["效益指标", "社会效益指标", "义务教育巩固率", "义务教育阶段学生巩固情况", "≥96%", "历史标准"],
        ["效益指标", "社会效益指标", "因贫辍学人数", "因家庭经济困难辍学的学生人数", "=0人", "历史标准"],
        ["效益指标", "可持续影响指标", "资助政策持续实施", "资助政策的长效性", "长期", "计划标准"],
        ["满意度指标", "服务对象满意度指标", "受助学生及家长满意度", "受助学生及家长对资助工作的满意程度", "≥90%", "历史标准"],
    ],
}

_PUBLIC_HEALTH: dict[str, Any] = {
    "项目编码": "13082123P00060010006B",
    "项目名称": "基本公共卫生服务补助",
    "预算数": 300.00, "财政资金": 300.00, "其他资金": None,
    "资金用途": "向乡镇卫生院、村卫生室拨付基本公共卫生服务补助",
    "3月底": 30, "6月底": 60, "10月底": 85, "12月底": 100,
    "绩效目标": ["为城乡居民免费提供基本公共卫生服务，提高居民健康水平"],
    "指标": [
        ["产出指标", "数量指标", "65岁以上老年人健康管理人数", "接受健康管理服务的老年人数", "≥1.2万人", "计划标准"],
        ["产出指标", "数量指标", "开展健康教育讲座场次", "全年开展健康教育讲座的场次", "≥120场次", "计划标准"],
        ["产出指标", "质量指标", "高血压患者规范管理率", "规范管理的高血压患者比例", "≥65%", "行业标准"],
        ["产出指标", "质量指标", "适龄儿童国家免疫规划疫苗接种率", "适龄儿童接种比例", "≥90%", "行业标准"],
        ["产出指标", "时效指标", "资金拨付时间", "资金拨付至乡镇卫生院的时间", "≤12月底", "计划标准"],
        ["产出指标", "成本指标", "人均基本公共卫生服务补助标准", "按常住人口计算的人均补助", "=89元/人", "预算支出标准"],
        ["效益指标", "社会效益指标", "居民健康素养水平", "具备基本健康素养的居民比例", "≥25%", "行业标准"],
        ["效益指标", "社会效益指标", "重大公共卫生事件", "辖区内发生的重大公共卫生事件", "≤0起", "历史标准"],
        ["效益指标", "可持续影响指标", "基本公共卫生服务水平", "服务水平的变化", "稳步提高", "计划标准"],
        ["满意度指标", "服务对象满意度指标", "城乡居民满意度", "居民对基本公共卫生服务的满意程度", "≥85%", "历史标准"],
    ],
}

_RUNNING: dict[str, Any] = {
    "项目编码": "13082123P00070010007C",
    "项目名称": "机关运转经费",
    "预算数": 60.00, "财政资金": 60.00, "其他资金": None,
    "资金用途": "机关日常办公、公务用车运行、会议及差旅等公用支出",
    "3月底": 30, "6月底": 60, "10月底": 85, "12月底": 100,
    "绩效目标": ["保障机关日常运转，严控三公经费"],
    "指标": [
        ["产出指标", "数量指标", "保障在职人员数", "保障在职在编人员数量", "=45人", "计划标准"],
        ["产出指标", "数量指标", "公务用车数量", "公务用车保有量", "≤2辆", "历史标准"],
        ["产出指标", "数量指标", "会议次数", "全年召开会议次数", "≤4次", "历史标准"],
        ["产出指标", "质量指标", "财务制度执行率", "严格执行财务制度的情况", "=100%", "计划标准"],
        ["产出指标", "时效指标", "经费支付及时率", "按时支付经费的比例", "≥95%", "计划标准"],
        ["产出指标", "成本指标", "三公经费", "公务接待、公车运行等三公经费", "≤3万元", "历史标准"],
        ["产出指标", "成本指标", "人均公用经费", "人均公用经费标准", "≤1.2万元/人", "预算支出标准"],
        ["效益指标", "社会效益指标", "单位正常运转", "保障机关正常运转", "正常运转", "计划标准"],
        ["效益指标", "可持续影响指标", "工作效率", "机关工作效率的变化", "有所提升", "计划标准"],
        ["满意度指标", "服务对象满意度指标", "干部职工满意度", "干部职工对后勤保障的满意程度", "≥90%", "计划标准"],
    ],
}

_FARMLAND: dict[str, Any] = {
    "项目编码": "13082123P00080010008D",
    "项目名称": "耕地地力保护补贴",
    "预算数": 800.00, "财政资金": 800.00, "其他资金": None,
    "资金用途": "按亩向承包耕地农户发放耕地地力保护补贴",
    "3月底": 30, "6月底": 60, "10月底": 85, "12月底": 100,
    "绩效目标": ["按时足额发放耕地地力保护补贴，保护耕地地力"],
    "指标": [
        ["产出指标", "数量指标", "补贴面积", "享受补贴的耕地面积", "≥50万亩", "计划标准"],
        ["产出指标", "数量指标", "补贴农户数", "享受补贴的农户户数", "≥6.5万户", "计划标准"],
        ["产出指标", "质量指标", "补贴发放准确率", "补贴按标准准确发放的比例", "=100%", "计划标准"],
        ["产出指标", "时效指标", "补贴发放时间", "补贴资金兑付到户的时间", "≤6月底", "计划标准"],
        ["产出指标", "成本指标", "亩均补贴标准", "每亩耕地补贴金额", "≤16元/亩", "预算支出标准"],
        ["效益指标", "经济效益指标", "农民种粮收益", "种粮农民收益变化", "有所提高", "历史标准"],
        ["效益指标", "生态效益指标", "耕地地力", "耕地质量等级", "稳步提升", "行业标准"],
        ["效益指标", "可持续影响指标", "耕地保护长效机制", "耕地地力保护长效机制的建立情况", "健全", "计划标准"],
        ["满意度指标", "服务对象满意度指标", "受益农户满意度", "受益农户对补贴发放的满意程度", "≥90%", "计划标准"],
    ],
}

_PUBLIC_SAFETY: dict[str, Any] = {
    "项目编码": "13082123P00090010009E",
    "项目名称": "社会治安综合治理经费",
    "预算数": 40.00, "财政资金": 40.00, "其他资金": None,
    "资金用途": "治安巡逻、专项整治行动的装备、油料及劳务支出",
    "3月底": 30, "6月底": 60, "10月底": 85, "12月底": 100,
    "绩效目标": ["开展治安巡逻和专项整治，提升群众安全感"],
    "指标": [
        ["产出指标", "数量指标", "开展治安巡逻班次", "全年开展治安巡逻的班次", "≥365班次", "计划标准"],
        ["产出指标", "数量指标", "开展专项整治行动", "全年开展专项整治的次数", "≥6次", "计划标准"],
        ["产出指标", "质量指标", "刑事案件破案率", "刑事案件破案比例", "≥60%", "历史标准"],
        ["产出指标", "时效指标", "110接警出警时间", "接警后到达现场时间", "≤15分钟", "行业标准"],
        ["产出指标", "成本指标", "项目成本", "专项经费支出", "≤40万元", "预算支出标准"],
        ["效益指标", "社会效益指标", "刑事案件发案数", "辖区刑事案件发案数量", "≤300起", "历史标准"],
        ["效益指标", "社会效益指标", "群众安全感", "群众安全感测评结果", "≥95%", "历史标准"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "群众对治安工作的满意程度", "≥90%", "历史标准"],
    ],
}

CORRECT_BY_KIND: dict[str, dict[str, Any]] = {
    "设备购置": _EQUIPMENT,
    "培训": _TRAINING,
    "基建": _BUILDING,
    "补助": _SUBSIDY,
    "学生资助": _STUDENT_AID,
    "公共卫生": _PUBLIC_HEALTH,
    "机关运转": _RUNNING,
    "农业补贴": _FARMLAND,
    "社会治安": _PUBLIC_SAFETY,
}
"""Correct projects of different kinds: no error and no warning from any rule."""

CORRECT_PROJECTS: list[dict[str, Any]] = list(CORRECT_BY_KIND.values())
BASE_PROJECT: dict[str, Any] = _EQUIPMENT

CASE_KEYS = frozenset({"project", "projects", "unit", "department", "profile", "cells", "findings",
                       "file_text", "file_zip", "note"})
PROJECT_KEYS = frozenset({
    "项目编码", "项目名称", "预算数", "财政资金", "其他资金", "资金用途", "3月底", "6月底", "10月底",
    "12月底", "绩效目标", "指标", "追加指标", "删除指标", "改指标", "基础",
})
_BUDGET = {"预算数": "total", "财政资金": "fiscal", "其他资金": "other"}
_SCHEDULE = {"3月底": "mar", "6月底": "jun", "10月底": "oct", "12月底": "dec"}
_ROW_KEYS = ("一级", "二级", "三级", "描述", "指标值", "依据")
_UNIT = {"单位编码": "code", "单位名称": "name", "所属县区": "county", "预算年度": "year"}
_DEPARTMENT_KEYS = frozenset({"总体绩效目标", "分项绩效目标", "工作保障措施"})


class CaseError(ValueError):
    """A fixture case that cannot be built (unknown key, unknown indicator, …)."""


# ------------------------------------------------------------------ Public API
def project_spec(overrides: Mapping[str, Any] | None = None, base: Mapping[str, Any] | None = None) -> dict:
    """The spec of one project: ``base`` (default BASE_PROJECT, or ``基础``) with ``overrides`` applied."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - PROJECT_KEYS
    if unknown:
        raise CaseError(f"unknown project keys {sorted(unknown)}; allowed: {sorted(PROJECT_KEYS)}")
    kind = overrides.pop("基础", None)
    if kind is not None:
        if kind not in CORRECT_BY_KIND:
            raise CaseError(f"unknown 基础 {kind!r}; one of {list(CORRECT_BY_KIND)}")
        base = CORRECT_BY_KIND[kind]
    spec = copy.deepcopy(dict(base if base is not None else BASE_PROJECT))
    rows: list[Row] = [list(r) for r in overrides.pop("指标", spec["指标"])]
    rows = _delete_rows(rows, overrides.pop("删除指标", []))
    rows = _edit_rows(rows, overrides.pop("改指标", {}))
    rows += [list(r) for r in overrides.pop("追加指标", [])]
    spec.update(overrides)
    spec["指标"] = rows
    return spec


def build_book(case: Mapping[str, Any]) -> BudgetBook:
    """The model of a case's book (before raw ``cells`` are applied)."""
    return _build(case)[0]


def write_case(case: Mapping[str, Any], path: str | Path) -> Path:
    """Write a case's workbook to ``path`` (.xlsx), raw cells included; returns the path."""
    _check_case(case)
    path = Path(path)
    if "file_text" in case or "file_zip" in case:
        return _write_raw_file(case, path)
    book, raw = _build(case)
    write_book(book, path)
    cells = {**raw, **{k: v for k, v in (case.get("cells") or {}).items()}}
    if cells:
        _apply_cells(path, cells)
    return path


def read_case(case: Mapping[str, Any], tmp_path: str | Path, name: str = "case.xlsx") -> BudgetBook:
    """Write a case to ``tmp_path / name`` and read it back with the real reader."""
    return read_book(write_case(case, Path(tmp_path) / name))


def run_case(case: Mapping[str, Any], tmp_path: str | Path, name: str = "case.xlsx") -> list[Finding]:
    """Every finding of every enabled rule on the case's workbook, as ``xl-budget validate`` sees it
    (an unreadable file gives F001)."""
    path = write_case(case, Path(tmp_path) / name)
    return check_file(path, load_profile(case.get("profile")))[1].findings


def match_findings(expected: Iterable[Mapping[str, Any]], actual: Iterable[Finding]) -> str | None:
    """None when ``actual`` equals ``expected`` as a multiset (only the keys each expected gives);
    else a readable explanation of the difference."""
    expected, actual = [dict(e) for e in expected], list(actual)
    for e in expected:
        unknown = set(e) - {"code", "field", "cell", "severity"}
        if unknown:
            raise CaseError(f"unknown keys {sorted(unknown)} in expected finding {e}")
    if len(expected) == len(actual) and _assign(expected, actual, set()):
        return None
    got = "\n".join(f"  {f.code} {f.severity.value} field={f.field} cell={f.sheet}!{f.cell}: {f.message}"
                    for f in actual) or "  (none)"
    return f"expected {expected}\ngot:\n{got}"


# ------------------------------------------------------------------ Private API: model
def _check_case(case: Mapping[str, Any]) -> None:
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise CaseError(f"unknown case keys {sorted(unknown)}; allowed: {sorted(CASE_KEYS)}")
    if "project" in case and "projects" in case:
        raise CaseError("give either project or projects, not both")


def _specs(case: Mapping[str, Any]) -> list[dict]:
    if "projects" in case:
        return [project_spec(o, CORRECT_PROJECTS[i % len(CORRECT_PROJECTS)])
                for i, o in enumerate(case["projects"] or [])]
    return [project_spec(case.get("project"))]


def _build(case: Mapping[str, Any]) -> tuple[BudgetBook, dict[str, Any]]:
    _check_case(case)
    raw: dict[str, Any] = {}
    projects = []
    for i, spec in enumerate(_specs(case), start=1):
        project, typed = _project(spec)
        projects.append(project)
        cells = project_geometry(project).cells
        raw.update({f"项目{i}!{cells[key]}": text for key, text in typed.items()})
    book = BudgetBook(unit=_unit(case.get("unit") or {}), department=_department(case),
                      projects=projects)
    return book, raw


def _unit(overrides: Mapping[str, Any]) -> Unit:
    unknown = set(overrides) - set(_UNIT)
    if unknown:
        raise CaseError(f"unknown unit keys {sorted(unknown)}; allowed: {sorted(_UNIT)}")
    values = {**UNIT, **overrides}
    return Unit(**{_UNIT[k]: v for k, v in values.items()})


def _department(case: Mapping[str, Any]) -> Department:
    if "department" in case and case["department"] is None:
        return Department()
    overrides = case.get("department") or {}
    unknown = set(overrides) - _DEPARTMENT_KEYS
    if unknown:
        raise CaseError(f"unknown department keys {sorted(unknown)}; allowed: {sorted(_DEPARTMENT_KEYS)}")
    values = {**DEPARTMENT, **overrides}
    targets = [DepartmentTarget(title=t[0], goal=t[1], indicators=t[2])
               for t in values["分项绩效目标"] or []]
    return Department(overall=values["总体绩效目标"], targets=targets,
                      measures=list(values["工作保障措施"] or []))


def _project(spec: Mapping[str, Any]) -> tuple[Project, dict[str, str]]:
    # The model, and the number fields given as text → {geometry key: text} to type in later.
    typed: dict[str, str] = {}
    budget = Budget(**{f: _number(spec.get(k), f"budget.{f}", typed) for k, f in _BUDGET.items()})
    schedule = Schedule(**{f: _percent(spec.get(k), f"schedule.{f}", typed) for k, f in _SCHEDULE.items()})
    project = Project(code=_text(spec.get("项目编码")), name=_text(spec.get("项目名称")),
                      budget=budget, use=_text(spec.get("资金用途")), schedule=schedule,
                      goals=[str(g) for g in spec.get("绩效目标") or []],
                      indicators=[_indicator(r) for r in spec.get("指标") or []])
    return project, typed


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any, key: str, typed: dict[str, str]) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str):
        typed[key] = value
        try:
            return to_decimal(value)
        except ValueError:
            return None
    return Decimal(str(value))


def _percent(value: Any, key: str, typed: dict[str, str]) -> Decimal | None:
    if not isinstance(value, str):
        return _number(value, key, typed)
    typed[key] = value
    text = to_halfwidth(value).strip().rstrip("%")
    try:
        return to_decimal(text)
    except ValueError:
        return None


def _indicator(row: Row) -> Indicator:
    if not isinstance(row, list | tuple) or len(row) != len(_ROW_KEYS):
        raise CaseError(f"an indicator row needs 6 entries {list(_ROW_KEYS)}, got {row!r}")
    l1, l2, name, description, value, basis = row
    return Indicator(level1=_text(l1), level2=_text(l2), name=_text(name), description=_text(description),
                     value=parse_value(value), basis=_text(basis))


def _delete_rows(rows: list[Row], names: Iterable[str]) -> list[Row]:
    for name in names:
        if not any(r[2] == name for r in rows):
            raise CaseError(f"删除指标: no indicator named {name!r}")
        rows = [r for r in rows if r[2] != name]
    return rows


def _edit_rows(rows: list[Row], edits: Mapping[str, Mapping[str, Any]]) -> list[Row]:
    for name, changes in edits.items():
        hits = [r for r in rows if r[2] == name]
        if not hits:
            raise CaseError(f"改指标: no indicator named {name!r}")
        unknown = set(changes) - set(_ROW_KEYS)
        if unknown:
            raise CaseError(f"改指标 {name}: unknown keys {sorted(unknown)}; allowed: {list(_ROW_KEYS)}")
        for row in hits:
            for key, value in changes.items():
                row[_ROW_KEYS.index(key)] = value
    return rows


# ------------------------------------------------------------------ IO methods
def _write_raw_file(case: Mapping[str, Any], path: Path) -> Path:
    if "file_zip" in case:
        import zipfile

        with zipfile.ZipFile(path, "w") as zf:
            for member, text in (case["file_zip"] or {}).items():
                zf.writestr(member, str(text))
    else:
        path.write_bytes(str(case["file_text"]).encode("utf-8"))
    return path


def _apply_cells(path: Path, cells: Mapping[str, Any]) -> None:
    from xl_budget.writeback import load_for_edit, save_workbook

    wb = load_for_edit(path)
    for ref, value in cells.items():
        sheet, _, addr = str(ref).rpartition("!")
        if not sheet or sheet not in wb.sheetnames:
            raise CaseError(f"cells: {ref!r} must be '<sheet>!A1' with an existing sheet {wb.sheetnames}")
        parse_a1(addr)  # raises on a bad address
        cell = wb[sheet][addr]
        if type(cell).__name__ == "MergedCell":
            raise CaseError(f"cells: {ref!r} lies inside a merged range; write to its top-left cell")
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text as typed, even "=…"
    save_workbook(wb, path, source=path)


# ------------------------------------------------------------------ Private API: matching
def _matches(expected: Mapping[str, Any], finding: Finding) -> bool:
    for key, want in expected.items():
        if key == "cell":
            got = f"{finding.sheet}!{finding.cell}" if "!" in str(want) else finding.cell
        elif key == "severity":
            got = finding.severity.value
        else:
            got = getattr(finding, key)
        if got != (None if want is None else str(want)):
            return False
    return True


def _assign(expected: list[dict], actual: list[Finding], used: set[int]) -> bool:
    # Backtracking bipartite match: fixtures are small, and greedy fails when a loose
    # expectation ({code}) grabs the finding a precise one needs.
    if not expected:
        return True
    head, rest = expected[0], expected[1:]
    for i, finding in enumerate(actual):
        if i not in used and _matches(head, finding) and _assign(rest, actual, used | {i}):
            return True
    return False
