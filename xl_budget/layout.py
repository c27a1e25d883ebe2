"""ONE declarative description of the official tables.

The template writer lays sheets out from the ``*_ROWS`` geometry below; the reader finds the
same fields by the same ``Label`` texts (compared with ``text.label_key``), wherever they sit.
A label's ``value`` says where its value lives relative to it: ``right`` (the first cell after
the label's merged range) or ``below`` (the cell under the label, same column).
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict

from xl_budget.text import label_key

Direction = Literal["right", "below", "block", "none"]


class Label(BaseModel):
    """A printed label and the model field its value goes to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    text: str
    aliases: tuple[str, ...] = ()
    value: Direction = "right"

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(label_key(t) for t in (self.text, *self.aliases))


class Slot(BaseModel):
    """One cell of the template geometry: a label, an input (model field) or a formula."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["label", "input", "title", "formula", "blank"]
    key: str = ""
    text: str = ""
    span: int = 1  # columns
    rows: int = 1  # rows (merged downwards)


def _label(lab: Label, span: int = 1, rows: int = 1) -> Slot:
    return Slot(kind="label", key=lab.key, text=lab.text, span=span, rows=rows)


def _input(key: str, span: int = 1) -> Slot:
    return Slot(kind="input", key=key, span=span)


# --------------------------------------------------------------------------- unit sheet
UNIT_SHEET = "单位信息"
UNIT_LABELS: tuple[Label, ...] = (
    Label(key="code", text="单位编码", aliases=("预算单位编码",)),
    Label(key="name", text="单位名称", aliases=("预算单位名称", "预算单位")),
    Label(key="county", text="所属县区", aliases=("所属县(区)", "所属地区")),
    Label(key="year", text="预算年度", aliases=("年度",)),
    Label(key="preparer", text="填报人"),
    Label(key="phone", text="联系电话"),
    Label(key="filled_on", text="填报日期"),
)
UNIT_TOTALS_TITLE = "汇总（由“填充”自动计算）"
UNIT_TOTAL_LABELS: tuple[Label, ...] = (
    Label(key="projects", text="项目个数"),
    Label(key="total", text="预算数合计（万元）"),
    Label(key="fiscal", text="财政资金合计（万元）"),
    Label(key="other", text="其他资金合计（万元）"),
)
UNIT_PLAN_LABEL = Label(key="plan", text="计划支出进度（%）", value="block")

# --------------------------------------------------------------------------- department sheet
DEPARTMENT_SHEET = "部门整体绩效目标"
DEPARTMENT_LABELS: tuple[Label, ...] = (
    # 部门整体绩效目标 is also the sheet's title: the reader takes the heading nearest the text.
    Label(key="overall", text="总体绩效目标", aliases=(
        "部门整体绩效目标总体目标", "部门总体绩效目标", "部门整体绩效目标"), value="below"),
    Label(key="targets", text="分项绩效目标", value="block"),
    Label(key="measures", text="工作保障措施", aliases=("保障措施",), value="block"),
)
TARGET_COLUMNS: tuple[Label, ...] = (
    Label(key="title", text="分项名称", aliases=("分项目标名称", "名称")),
    Label(key="goal", text="绩效目标"),
    Label(key="indicators", text="绩效指标"),
)

# --------------------------------------------------------------------------- project table
def _in_wan(text: str, *aliases: str) -> tuple[str, ...]:
    # The aliases of an amount's label, and every one of its names with the money unit that
    # hand-made sheets print in the label: 预算金额（万元）.
    return (*aliases, *(f"{t}（万元）" for t in (text, *aliases)))


PROJECT_SHEET_PREFIX = "项目"
TITLE_SUFFIX = "绩效目标表"
MONEY_UNIT_TEXT = "单位：万元"
PROJECT_LABELS: tuple[Label, ...] = (
    Label(key="code", text="项目编码", aliases=("项目代码",)),
    Label(key="name", text="项目名称"),
    Label(key="budget.total", text="预算数", aliases=_in_wan(
        "预算数", "项目预算数", "预算金额", "项目预算金额", "预算资金", "项目预算", "预算总额")),
    Label(key="budget.fiscal", text="其中：财政资金", aliases=_in_wan("其中：财政资金", "财政资金", "其中财政资金")),
    Label(key="budget.other", text="其他资金", aliases=_in_wan("其他资金", "其中：其他资金")),
)
BUDGET_BLOCK = Label(key="use", text="预算规模及资金用途", aliases=("预算规模及用途", "资金用途"), value="block")
SCHEDULE_BLOCK = Label(key="schedule", text="资金支出计划（%）", aliases=("资金支出计划", "资金支出进度计划（%）"), value="block")
CHECKPOINT_LABELS: tuple[Label, ...] = (  # 月末 and the spelt-out months: everyday synonyms
    Label(key="mar", text="3月底", value="below", aliases=(
        "3月", "3月末", "三月底", "三月末", "一季度末", "第一季度", "第一季度末")),
    Label(key="jun", text="6月底", value="below", aliases=(
        "6月", "6月末", "六月底", "六月末", "二季度末", "第二季度末", "上半年")),
    Label(key="oct", text="10月底", value="below", aliases=("10月", "10月末", "十月底", "十月末")),
    Label(key="dec", text="12月底", value="below", aliases=(
        "12月", "12月末", "十二月底", "十二月末", "年底", "年末", "全年")),
)
PLANNED_LABEL = Label(key="planned", text="计划支出金额（万元）", value="right")
GOALS_BLOCK = Label(key="goals", text="绩效目标", aliases=("年度绩效目标", "项目绩效目标"), value="block")
GOAL_ITEM = "目标内容{n}"
INDICATOR_COLUMNS: tuple[Label, ...] = (
    Label(key="level1", text="一级指标", value="below"),
    Label(key="level2", text="二级指标", value="below"),
    # Not "绩效指标": forms print it as the label of the whole indicator block, in the header
    # row left of 一级指标, where it would be taken for the 三级 column.
    Label(key="name", text="三级指标", aliases=("三级指标名称", "指标名称", "具体指标"), value="below"),
    Label(key="description", text="绩效指标描述", aliases=("指标描述", "指标解释"), value="below"),
    Label(key="value", text="指标值", aliases=("目标值", "指标目标值", "年度指标值", "指标值（目标值）"),
          value="below"),
    Label(key="basis", text="指标值确定依据", aliases=("确定依据", "指标值设定依据"), value="below"),
)
BASIS_CHOICES: tuple[str, ...] = ("计划标准", "历史标准", "行业标准", "预算支出标准", "其他")

# Template geometry: 7 columns A–G. The indicator table spans A–G with 依据 merged over F:G.
PROJECT_COLUMNS = 7
PROJECT_WIDTHS: tuple[float, ...] = (14, 16, 22, 24, 14, 11, 11)
GOAL_ROWS = 2        # goal lines at least (the seed's table 1 then has its first 指标值 in E12)
ROOM_ROWS = 6        # empty indicator rows left for staff below the filled ones

_L = {lab.key: lab for lab in PROJECT_LABELS}
PROJECT_HEAD_ROWS: tuple[tuple[Slot, ...], ...] = (
    (Slot(kind="title", key="title", span=7),),
    (_input("unit_line", span=5), Slot(kind="label", key="money_unit", text=MONEY_UNIT_TEXT, span=2)),
    (_label(_L["code"]), _input("code", span=2), _label(_L["name"]), _input("name", span=3)),
    (_label(BUDGET_BLOCK, rows=2), _label(_L["budget.total"]), _input("budget.total"),
     _label(_L["budget.fiscal"]), _input("budget.fiscal"), _label(_L["budget.other"]), _input("budget.other")),
    (Slot(kind="blank"), _input("use", span=6)),
    (_label(SCHEDULE_BLOCK, rows=2), *(_label(c, span=2 if c.key in ("mar", "dec") else 1)
                                       for c in CHECKPOINT_LABELS)),
    (Slot(kind="blank"), _input("schedule.mar", span=2), _input("schedule.jun"), _input("schedule.oct"),
     _input("schedule.dec", span=2)),
    (_label(PLANNED_LABEL), *(Slot(kind="formula", key=f"planned.{c.key}", span=2 if c.key in ("mar", "dec") else 1)
                              for c in CHECKPOINT_LABELS)),
)
INDICATOR_HEADER: tuple[Slot, ...] = (
    *(_label(c) for c in INDICATOR_COLUMNS[:5]), _label(INDICATOR_COLUMNS[5], span=2),
)


def all_label_keys() -> frozenset[str]:
    """Every label key of the project table: a cell holding one is never a value."""
    labels = (*PROJECT_LABELS, BUDGET_BLOCK, SCHEDULE_BLOCK, *CHECKPOINT_LABELS, PLANNED_LABEL,
              GOALS_BLOCK, *INDICATOR_COLUMNS)
    return frozenset().union(*(lab.keys for lab in labels)) | {label_key(MONEY_UNIT_TEXT)}


# --------------------------------------------------------------------------- template extras
# (appended by the template writer; the reader may use them to recognise our own workbooks)
OPTIONS_SHEET = "选项"                       # hidden sheet: dropdown lists + version marker
TEMPLATE_MARKER = "xl_budget template"       # 选项!A1; 选项!B1 holds xl_budget.TEMPLATE_VERSION
TEMPLATE_VERSION_NAME = "XL_BUDGET_TEMPLATE_VERSION"  # defined name pointing at 选项!B1
