"""Name and category classification for the indicator rules (I001–I017).

Everything here is a pure function of an ``Indicator`` (and the rules profile): which
category a row sits in (成本 / 时效 / 数量), what its 三级 name denotes (a rate, a count, a
state such as 设备性能良好, a service life, a 满意度), and the normalised keys used to compare
names. The word lists are review practice, not law: they are kept short and explicit so a
reviewer can see why a row was (or was not) classified.

The functions of a name or category string are cached: the same few thousand texts recur in
every row check of every workbook. ``tables`` gathers all of them for a workbook, once, as
``Row``s that every indicator rule reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from xl_budget import values
from xl_budget.model import BudgetBook, Indicator, Project
from xl_budget.profile import Profile
from xl_budget.text import label_key
from xl_budget.values import IndicatorValue, is_rate_name, to_wan

# ------------------------------------------------------------------ Vocabulary

# Words that make a name describe a state rather than an amount ("设备性能良好",
# "信息网络系统安全", "节本增效"): a bare number on such a name measures nothing (I008).
STATE_WORDS: tuple[str, ...] = (
    "良好", "安全", "稳定", "规范", "有效", "提升", "改善", "明显", "显著", "完善", "及时",
    "提高", "增强", "增效", "到位", "达标", "合格", "正常", "畅通", "完好", "满足", "符合",
    "健全", "优化", "可靠", "准确", "高效", "便捷", "有序", "顺利", "按时", "按期",
)  # fmt: skip

# Endings that make a name an amount even when it holds a state word
# ("项目验收合格率", "设备完好率", "安全运行天数", "及时支付金额", "完成时间").
AMOUNT_ENDINGS: tuple[str, ...] = (
    "率", "度", "数", "量", "次", "数量", "金额", "时间", "人次", "期", "年限", "时长",
    "周期", "比例", "占比", "指数", "面积", "长度", "里程", "得分", "分值", "评分", "天",
)  # fmt: skip

# Endings of names that count things: a grade ("好") on them says nothing (I008).
# "质量" ends in 量 but is a quality, not an amount; "技术参数" ends in 数 but is a specification.
COUNT_ENDINGS: tuple[str, ...] = (
    "数量", "次数", "人数", "人次", "个数", "户数", "件数", "场次", "天数", "金额", "面积",
    "长度", "里程", "时长", "数", "量",
)  # fmt: skip
NOT_COUNT_ENDINGS: tuple[str, ...] = ("质量", "指数", "系数", "分数", "能量", "参数")

# A service life or a duration the result must last: "≤" on it is reversed (I012).
DURATION_WORDS: tuple[str, ...] = (
    "使用年限", "使用寿命", "使用期限", "使用周期", "持续使用", "持续时间", "持续发挥",
    "服务年限", "运行年限", "保修期", "质保期", "有效期", "存续期", "受益年限",
)  # fmt: skip

# Quantities where fewer is better: "≤" on them is intended, not reversed (I012).
NEGATIVE_WORDS: tuple[str, ...] = (
    "事故", "投诉", "差错", "违规", "违纪", "违法", "失误", "损失", "死亡", "伤亡", "上访",
    "信访", "纠纷", "超标", "缺陷", "故障", "不合格", "返工", "退回", "整改", "风险", "隐患",
    "发病", "污染", "排放", "能耗", "延误", "逾期", "滞留", "闲置", "浪费", "问题",
)  # fmt: skip

# Bad events where fewer is better ("森林火灾发生次数", "辍学人数", "食品安全事件"), unless the
# name counts the remedy, where more is better ("疫情防控宣传次数", "水土流失治理面积").
BAD_EVENT_WORDS: tuple[str, ...] = (
    "火灾", "发案", "命案", "辍学", "返贫", "疫情", "事件", "流失", "欠薪", "差评",
)  # fmt: skip
REMEDY_WORDS: tuple[str, ...] = (
    "防控", "防治", "防止", "防范", "防返", "预防", "治理", "整治", "根治", "劝返", "追讨", "追回",
    "清欠", "清理", "处置", "处理", "查处", "调处", "化解", "应对", "应急", "演练", "扑救", "监测",
    "排查", "侦破", "破获", "救助", "帮扶",
)  # fmt: skip

# Quantities capped by policy (会议费、培训费、公务用车编制、三公经费 rules): "≤" on them is the
# rule's own ceiling, not a reversed target (I012).
CAP_WORDS: tuple[str, ...] = (
    "公务用车", "公车", "会议", "参会", "培训天数", "出国", "公务接待", "三公", "核定编制",
    "编制内", "编制人数", "超编",
)  # fmt: skip

# Rates that measure a change: they may exceed 100% or fall below 0 (I007 skips them).
CHANGE_WORDS: tuple[str, ...] = (
    "增长", "增幅", "增速", "增加", "增量", "提高", "提升", "下降", "降低", "减少", "变化",
    "变动", "同比", "环比", "涨幅", "降幅", "收益率", "回报率", "利润率",
)  # fmt: skip


# Endings of a name that is a share of a whole ("资金到位率", "支出占比"): its value is a
# percentage, never a count or an amount (I008). Units a share may be written in; a change
# rate may also be a multiple ("增长率 ≥1倍").
SHARE_ENDINGS: tuple[str, ...] = ("率", "占比", "比例", "比率", "百分比")
RATE_UNITS = frozenset({"%", "‰", "个百分点", "百分点"})
CHANGE_RATE_UNITS = RATE_UNITS | {"倍"}

# A 依据 that only strikes the cell through or says "none": it is not filled (I014).
_BLANK_MARKS = "/／\\|-－—–―~～_…·.。 \u3000"
_NO_BASIS_WORDS = frozenset({"无", "暂无", "没有", "空", "略"})

MONEY_UNITS = frozenset({"元", "千元", "万元", "百万元", "亿元"})
UPWARD = frozenset({"≥", ">"})
DOWNWARD = frozenset({"≤", "<"})
HUNDRED = Decimal(100)

_BRACKETS = re.compile(r"[()\[\]【】《》〔〕<>“”\"'‘’、,.。;:]")
_TRAILING_NOTE = re.compile(r"(?:\([^()]*(?:\)|$))+$")

_TEXTS = 65536  # size of each cache of name / category texts


# ------------------------------------------------------------------ Keys


@lru_cache(maxsize=_TEXTS)
def key(text: str | None) -> str:
    """Comparison key of a category or name: whitespace, width and punctuation folded."""
    return label_key(text) if text else ""


@lru_cache(maxsize=_TEXTS)
def name_key(text: str | None) -> str:
    """A 三级 name or description compared loosely: brackets and punctuation dropped, so
    "持续使用时间（年" and "持续使用 时间（年）" match."""
    return _BRACKETS.sub("", key(text))


@lru_cache(maxsize=_TEXTS)
def bare(name: str | None) -> str:
    """The name's key without its trailing bracketed note ("群众满意度（%）" → "群众满意度")."""
    return _TRAILING_NOTE.sub("", key(name))


@lru_cache(maxsize=_TEXTS)
def is_blank_basis(text: str | None) -> bool:
    """A 依据 that says nothing: empty, struck through ("/", "—", "--") or "无"."""
    if not text:
        return True
    rest = text.strip(_BLANK_MARKS)
    return not rest or rest in _NO_BASIS_WORDS


# ------------------------------------------------------------------ Categories


@lru_cache(maxsize=_TEXTS)
def _is_cost(level1: str | None, level2: str | None, cost_level1: str, cost_level2: str,
             output: str) -> bool:
    """A 成本指标 row: its 二级 is the profile's cost 二级, or (central 2021) it sits under
    a 成本 一级 of its own; a 二级 spelled "…成本指标" counts in any profile."""
    level2_key = key(level2)
    if level2_key and (level2_key == key(cost_level2) or level2_key.endswith("成本指标")):
        return True
    return key(cost_level1) != key(output) and key(level1) == key(cost_level1)


_QUANTITY_LEVEL = key("数量指标")


def category_names(profile: Profile) -> frozenset[str]:
    """Keys of every 一级 and 二级 category of the profile."""
    names = {key(n) for n in profile.framework}
    names.update(key(n) for parts in profile.framework.values() for n in parts)
    return frozenset(names)


# ------------------------------------------------------------------ Names


@lru_cache(maxsize=_TEXTS)
def implied_unit(name: str | None) -> str | None:
    """The unit the name implies (``values.implied_unit``): "合格率" → "%", "时间（年）" → "年"."""
    return values.implied_unit(name)


@lru_cache(maxsize=_TEXTS)
def is_satisfaction(name: str | None) -> bool:
    return "满意度" in key(name)


@lru_cache(maxsize=_TEXTS)
def is_rate_title(name: str | None) -> bool:
    """A name denoting a share of a whole (合格率, 满意度, 占比, （%）); "办公效率" is not one."""
    return is_rate_name(name) and not bare(name).endswith(values.NOT_PERCENT_RATES)


@lru_cache(maxsize=_TEXTS)
def is_change_rate(name: str | None) -> bool:
    """A rate of change (增长率, 同比…), which may leave 0–100."""
    text = key(name)
    return any(w in text for w in CHANGE_WORDS)


@lru_cache(maxsize=_TEXTS)
def is_state_name(name: str | None) -> bool:
    """A name describing a state (设备性能良好), not an amount (设备完好率)."""
    text = bare(name)
    if not text or implied_unit(name) is not None:
        return False
    if text.endswith(AMOUNT_ENDINGS):
        return False
    return any(w in text for w in STATE_WORDS)


@lru_cache(maxsize=_TEXTS)
def is_count_name(name: str | None) -> bool:
    """A name counting things (培训次数, 制作展牌数量, 项目预算控制数)."""
    text = bare(name)
    return bool(text) and text.endswith(COUNT_ENDINGS) and not text.endswith(NOT_COUNT_ENDINGS)


@lru_cache(maxsize=_TEXTS)
def is_duration(name: str | None) -> bool:
    """A service life or a duration the result must last (持续使用时间, 使用年限)."""
    text = key(name)
    return any(w in text for w in DURATION_WORDS)


@lru_cache(maxsize=_TEXTS)
def is_negative(name: str | None) -> bool:
    """A quantity where fewer is better (安全事故次数, 投诉数量, 森林火灾发生次数; not 疫情防控宣传次数)."""
    text = key(name)
    if any(w in text for w in NEGATIVE_WORDS):
        return True
    return any(w in text for w in BAD_EVENT_WORDS) and not any(w in text for w in REMEDY_WORDS)


@lru_cache(maxsize=_TEXTS)
def is_cap(name: str | None) -> bool:
    """A quantity capped by policy (公务用车保有量, 会议次数, 培训天数, 三公经费支出)."""
    text = key(name)
    return any(w in text for w in CAP_WORDS)


# ------------------------------------------------------------------ Rows


@dataclass(frozen=True, slots=True)
class NameKind:
    """Everything the functions above say about one 三级 name."""

    text: str | None  # the name as written
    key: str
    loose_key: str  # name_key
    bare: str
    implied_unit: str | None
    satisfaction: bool
    rate_title: bool
    change_rate: bool
    state: bool
    count: bool
    duration: bool
    negative: bool
    cap: bool


@lru_cache(maxsize=_TEXTS)
def name_kind(name: str | None) -> NameKind:
    return NameKind(name, key(name), name_key(name), bare(name), implied_unit(name), is_satisfaction(name),
                    is_rate_title(name), is_change_rate(name), is_state_name(name),
                    is_count_name(name), is_duration(name), is_negative(name), is_cap(name))


@dataclass(frozen=True, slots=True, eq=False)
class Scheme:
    """The parts of a profile that classify a row's 一级 / 二级, so that ``level_kind`` can be
    cached on them (a ``Profile`` holds dicts and lists). ``Scheme.of`` makes one object per
    content: the cache then hashes and compares a scheme by its identity, in C."""

    framework: tuple[tuple[str, tuple[str, ...]], ...]
    cost_level1: str
    cost_level2: str
    output: str

    @classmethod
    def of(cls, profile: Profile) -> Scheme:
        req = profile.required
        framework = tuple((k, tuple(v)) for k, v in profile.framework.items())
        return _scheme(framework, req.cost_level1, req.cost_level2, req.output)


@lru_cache(maxsize=64)
def _scheme(framework: tuple[tuple[str, tuple[str, ...]], ...], cost_level1: str, cost_level2: str,
            output: str) -> Scheme:
    return Scheme(framework, cost_level1, cost_level2, output)


@dataclass(frozen=True, slots=True, eq=False)
class LevelKind:
    """Where a 一级 / 二级 pair sits in a profile's framework (one object per pair and scheme,
    from ``level_kind``'s cache: a set of them hashes by identity, in C)."""

    key1: str
    key2: str
    known_level1: bool  # the 一级 is one of the framework's (I001)
    foreign_level2: bool  # the 一级 is known and the 二级 is not one of its parts (I002)
    cost: bool
    timeliness: bool
    quantity: bool  # 数量指标


@lru_cache(maxsize=_TEXTS)
def level_kind(level1: str | None, level2: str | None, scheme: Scheme) -> LevelKind:
    key1, key2 = key(level1), key(level2)
    parts = {key(k): {key(p) for p in v} for k, v in scheme.framework}
    return LevelKind(key1, key2, key1 in parts, key1 in parts and key2 not in parts[key1],
                     _is_cost(level1, level2, scheme.cost_level1, scheme.cost_level2, scheme.output),
                     "时效" in key2, key2 == _QUANTITY_LEVEL)


@dataclass(slots=True)
class Row:
    """One indicator row with what its name and its 一级 / 二级 denote, and the fields the
    rules test copied out of the ``Indicator`` and its value: each rule reads every row, and
    a slotted record is read several times faster than a pydantic model (and stays in the CPU
    cache where the models and their dicts do not). The models are read only to report a
    finding."""

    ind: Indicator
    name: NameKind
    level: LevelKind
    value: IndicatorValue | None
    operator: str | None  # the value's fields; None as well when there is no value
    number: Decimal | None
    unit: str | None
    grade: str | None
    basis: str | None
    description: str | None


# A model's fields read from its __dict__ in one call each (pydantic keeps them there).
_INDICATOR_FIELDS = itemgetter("level1", "level2", "name", "value", "basis", "description")
_VALUE_FIELDS = itemgetter("operator", "number", "unit", "grade")
_NO_VALUE = (None, None, None, None)


def rows(project: Project, scheme: Scheme) -> list[Row]:
    """The project's indicator rows, classified (each class cached on its texts)."""
    out = []
    levels: tuple[str | None, str | None] | None = None  # the last row's, with their kind
    for ind in project.indicators:
        level1, level2, name, value, basis, description = _INDICATOR_FIELDS(ind.__dict__)
        if levels != (level1, level2):  # a merged 一级 / 二级 cell spans several rows
            levels = (level1, level2)
            level = level_kind(level1, level2, scheme)
        operator, number, unit, grade = _NO_VALUE if value is None else _VALUE_FIELDS(value.__dict__)
        out.append(Row(ind, name_kind(name), level, value, operator, number, unit, grade, basis,
                       description))
    return out


Table = tuple[Project, list[Row]]
"""A project with its classified indicator rows."""


def tables(book: BudgetBook, scheme: Scheme) -> list[Table]:
    return [(project, rows(project, scheme)) for project in book.projects]


def row_unit(row: Row) -> str | None:
    """The unit of a row's number: written in the value, else implied by the name; None when
    the value holds no number."""
    if row.number is None:
        return None
    return row.unit or row.name.implied_unit


def row_money_wan(row: Row) -> Decimal | None:
    """The row's number as 万元 when it is a money amount. The unit is the value's, else the
    name's ("成本（元）"); a number with no unit at all counts as 万元 (the table says
    单位：万元). None for other units (%, 元/人, 次…)."""
    return _money_wan(row.number, row.unit, row.name)


def row_is_money(row: Row) -> bool:
    """The row's number is written in money, in the value or the name (万元, 元, 元/人次…);
    a bare number is not (unlike ``row_money_wan``)."""
    unit = row_unit(row)
    return unit is not None and unit.partition("/")[0] in MONEY_UNITS


def row_share_in_other_unit(row: Row) -> bool:
    """A share ("宣传覆盖率") whose value is written in a unit that is no rate ("≥378个",
    "≥8万元"). A 满意度 is I009's; a name stating its own unit ("覆盖率（个）") is taken at
    its word."""
    unit, name = row.unit, row.name
    if unit is None or unit in RATE_UNITS or not name.rate_title or name.satisfaction:
        return False
    if name.implied_unit not in (None, "%") or not name.bare.endswith(SHARE_ENDINGS):
        return False
    return not (name.change_rate and unit in CHANGE_RATE_UNITS)


def row_is_rate(row: Row) -> bool:
    """A rate or percentage: the name says so (…率, 满意度, 占比, （%）) or the value is in %."""
    return row.name.rate_title or row.unit == "%"


def row_holds_budget_figure(row: Row, total: Decimal | None) -> bool:
    """A 时效指标 holding money ("≤4.86万元") or the project's 预算数 itself ("≤4.86")."""
    return row.level.timeliness and _holds_money_or_total(row.number, row.unit, row.name, total)


def _money_wan(number: Decimal | None, unit: str | None, name: NameKind) -> Decimal | None:
    if number is None:
        return None
    unit = unit or name.implied_unit
    return number if unit is None else to_wan(number, unit)


def _holds_money_or_total(number: Decimal | None, unit: str | None, name: NameKind,
                          total: Decimal | None) -> bool:
    if number is None:
        return False
    unit = unit or name.implied_unit
    if unit in MONEY_UNITS:
        return True
    return unit is None and total is not None and number == total
