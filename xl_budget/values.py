"""The 指标值 grammar: operator, number, unit of measure, grade.

A value is one of three kinds:

* quantity -- ``[prefix operator] number [unit] [postfix word]``, e.g. "≥90%",
  "不低于 90 %", "≥９０％", "5万元以内", "≤0.91万元", "1". Operators are normalised to
  one of ``≥ ≤ = > <``. A prefix and a postfix must point the same way ("不低于90%以上");
  "为"/"控制在" are weak prefixes that a postfix overrides ("为90%以上" -> ≥). A unit is a
  known one, two known ones run together ("场次", "人天"), or short CJK text ("孔"); a
  rate has up to three parts joined by "/" or "·" ("元/人次", "元/生/年", "元/人·天").
* grade -- qualitative text with no number: a known grade ("好", "达标", "明显提升") or a
  short Chinese phrase of at most 12 characters without digits ("按期完成"). Calendar
  deadlines ("12月底前", "2023年12月31日前完成", "2023年", "2023-12-31", a date cell) are
  grades too: they name a date, not an amount, also after an "at most" operator ("≤12月底",
  "≤2023年12月", "≤年底"). "≤12月" and "≤2023年" (an operator before a bare count of
  months or years) stay quantities.
* invalid -- anything else that holds digits or symbols: ranges ("1-2项", "90%-95%"),
  approximate amounts ("100人左右", "378余个"), a bare magnitude ("2000万"), text after a
  number ("2000万2", "100%完成", "≥2项完成"), digits split by spaces ("9 0"), "≥" on a
  deadline ("≥12月底"). Never guessed.

Trailing separators and the inclusive note of a value pasted from a Word list are dropped
before a quantity or a deadline is read: "≥90%；", "≥95%（含）", "90%（含）以上".

Everything here is pure and fast; regexes are compiled once and parses are cached.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

Operator = Literal["≥", "≤", "=", ">", "<"]


class IndicatorValue(BaseModel):
    """One parsed 指标值. ``raw`` is what the cell held, as text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    raw: str
    operator: Operator | None = None
    number: Decimal | None = None
    unit: str | None = None
    grade: str | None = None

    @property
    def kind(self) -> Literal["quantity", "grade", "invalid"]:
        if self.number is not None:
            return "quantity"
        if self.grade is not None:
            return "grade"
        return "invalid"


# --------------------------------------------------------------------------- vocabulary

UNITS: tuple[str, ...] = (
    # rates
    "%", "‰", "个百分点", "百分点",
    # money
    "元", "千元", "万元", "百万元", "亿元",
    "元/人", "元/人次", "元/次", "元/年", "元/月", "元/天", "元/个", "元/台", "元/套",
    "元/亩", "元/平方米", "元/吨", "万元/人", "万元/个", "万元/亩", "万元/公里",
    # counts
    "次", "人次", "万人次", "户次", "个", "份", "万份", "所", "人", "万人", "项", "场", "期",
    "批", "台", "套", "件", "本", "册", "篇", "条", "户", "家", "间", "座", "处", "名", "辆",
    "张", "块", "部", "种", "类", "支", "只", "棵", "根", "架", "艘", "顶", "盏", "片", "组",
    "队", "村", "镇", "乡", "校", "班", "节", "课时", "学时", "期次", "轮", "版", "集", "幅",
    "株", "头", "羽", "尾", "匹",
    # time
    "年", "年度", "个月", "月", "周", "天", "日", "小时", "分钟", "秒", "工作日", "个工作日",
    "季度", "学年", "学期",
    # length, area, volume, mass
    "公里", "千米", "米", "厘米", "平方米", "万平方米", "平方公里", "平方千米", "公顷", "亩",
    "万亩", "立方米", "万立方米", "吨", "万吨", "千克", "公斤", "克", "斤",
    "km", "m", "㎡", "m²", "m2", "m³", "m3", "kg",
    # energy, data, misc
    "千瓦", "千瓦时", "度", "兆瓦", "kW", "kWh", "MW", "GB", "TB",
    "℃", "分", "倍", "级", "星",
)  # fmt: skip

GRADES: tuple[str, ...] = (
    "好", "很好", "非常好", "较好", "比较好", "一般", "较差", "差", "很差",
    "优", "良", "中", "优良", "中等", "优秀", "良好", "合格", "基本合格", "不合格",
    "高", "较高", "低", "较低", "强", "较强",
    "是", "否", "有", "无", "达标", "基本达标", "未达标",
    "提升", "明显提升", "有所提升", "稳步提升", "显著提升", "大幅提升", "逐步提升",
    "进一步提升", "有效提升", "持续提升", "得到提升",
    "改善", "明显改善", "有所改善", "显著改善", "逐步改善", "有效改善", "持续改善", "得到改善",
    "提高", "明显提高", "有所提高", "显著提高", "逐步提高", "不断提高", "进一步提高",
    "稳步提高", "大幅提高", "逐年提高",
    "增加", "增长", "增强", "明显增强", "减少", "降低", "下降", "有效控制",
    "基本达到", "达到", "完成", "按时完成", "按期完成", "全部完成", "基本完成", "按计划完成",
    "及时", "准确", "规范", "安全", "稳定", "持续", "长期", "有效", "高效", "正常", "正常运行",
    "明显", "显著", "效果明显", "效果显著", "符合要求", "符合标准", "达到要求", "达到标准",
    "满足需求", "满意", "非常满意", "比较满意", "较满意", "基本满意", "不满意",
)  # fmt: skip

_UNIT_SET = frozenset(UNITS)
_GRADE_SET = frozenset(GRADES)

# Prefix words; a "weak" prefix is overridden by a postfix word ("为90%以上" means ≥).
_PREFIX_WORDS: dict[str, Operator] = {
    **dict.fromkeys(
        ("不低于", "不少于", "不小于", "大于等于", "大于或等于", "不得低于", "不得少于",
         "不应低于", "达到", "至少", "最少", "最低", "达"),
        "≥",
    ),
    **dict.fromkeys(
        ("不高于", "不超过", "不多于", "不大于", "小于等于", "小于或等于", "不得高于",
         "不得超过", "不应超过", "至多", "最多", "最高", "控制在"),
        "≤",
    ),
    **dict.fromkeys(("大于", "高于", "超过", "多于"), ">"),
    **dict.fromkeys(("小于", "低于", "少于"), "<"),
    **dict.fromkeys(("等于", "为"), "="),
}  # fmt: skip
_WEAK_PREFIXES = frozenset({"为", "控制在"})
_PREFIX_SYMBOLS: dict[str, Operator] = {
    ">=": "≥", "=>": "≥", "≥": "≥",
    "<=": "≤", "=<": "≤", "≤": "≤",
    "==": "=", "=": "=", ">": ">", "<": "<",
}  # fmt: skip
_POSTFIX_WORDS: dict[str, Operator] = {
    "以上": "≥", "及以上": "≥",
    "以内": "≤", "之内": "≤", "内": "≤", "以下": "≤", "及以下": "≤",
}  # fmt: skip
_DIRECTION: dict[str, int] = {"≥": 1, ">": 1, "=": 0, "≤": -1, "<": -1}

# A unit guessed from unknown CJK text must not hold these: they make the amount vague
# ("左右", "余", "多"), a range ("至", "到") or a deadline ("前", "底").
_VAGUE_CHARS = frozenset("余多约近左右上下内外前后底末初至到或和及以共等的")
_MAGNITUDES = frozenset({"十", "百", "千", "万", "亿", "百万", "千万", "万亿"})
# Money unit -> power of ten that turns it into 万元.
_MONEY_TO_WAN: dict[str, int] = {"元": -4, "千元": -1, "万元": 0, "百万元": 2, "亿元": 4}

# --------------------------------------------------------------------------- regexes


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation, longest word first so that the longest spelling wins."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NUMBER = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
# An unknown unit is short CJK text free of the vague characters (see _unit_ok).
_UNIT_CHAR = rf"(?![{''.join(sorted(_VAGUE_CHARS))}])[{_CJK}]"
_UNIT_ATOM = rf"(?:{_alternation(UNITS)}|(?:{_UNIT_CHAR}){{1,4}}?)"
# Parts of a rate per head and period: "元/人", "元/生/年", "元/人·天" (IMEs type · as ・ too).
_UNIT_SEPARATORS = "/·・･•"
_UNIT_SEP = f"[{_UNIT_SEPARATORS}]"

_QUANTITY_RE = re.compile(
    rf"(?P<pre>{_alternation([*_PREFIX_SYMBOLS, *_PREFIX_WORDS])})?"
    rf"(?P<num>{_NUMBER})"
    rf"(?P<unit>{_UNIT_ATOM}(?:{_UNIT_SEP}{_UNIT_ATOM}){{0,2}})?"
    rf"(?P<post>{_alternation(_POSTFIX_WORDS)})?"
)
# A deadline may follow an "at most" operator ("≤12月底" = "12月底前"); "≥12月底" means nothing.
_DEADLINE_OPERATORS = ("≤", "<=", "=<", "<", "=", "==", "不超过", "最迟", "最晚")
_DEADLINE_RE = re.compile(
    rf"(?P<op>{_alternation(_DEADLINE_OPERATORS)})?"
    r"(?:于|在|截至|截止|截止到|截至到|不晚于|不迟于)?"
    r"(?:"
    # a date as Excel and clerks write it: 2023-12-31, 2023/12/31, 2023.12.31
    r"(?P<dy>(?:19|20)[0-9]{2})(?P<sep>[-/.])(?P<dm>[0-9]{1,2})(?P=sep)(?P<dd>[0-9]{1,2})[日号]?"
    r"|"
    r"(?:(?P<y>(?:19|20)[0-9]{2})年度?|(?P<bare_year>[本当今]?年度?))?"
    r"(?:(?P<m>[0-9]{1,2})月(?P<fen>份)?(?:(?P<d>[0-9]{1,2})[日号])?)?"
    r"(?P<mark>底|末|初|上旬|中旬|下旬)?"
    r")"
    r"(?P<before>前|之前|以前)?"
    rf"[{_CJK}]{{0,8}}"
)
_GRADE_RE = re.compile(rf"[{_CJK}、,。()“”《》·:;!?—]{{1,12}}")
_HAS_CJK_RE = re.compile(rf"[{_CJK}]")
_SPACE_RE = re.compile(r"\s+")
# Pasted from a Word target list: "≥90%；", "≥95%（含）", "90%（含）以上" read as the value alone.
_INCLUSIVE_RE = re.compile(r"[(（]含(?:本数)?[)）]")
_TRAILING_SEPS = "；;，,。、"
_TRAILING_SEP_RE = re.compile(f"[{_TRAILING_SEPS}]+$")
_UNIT_SEP_RE = re.compile(_UNIT_SEP)
_DIGIT_GAP_RE = re.compile(r"[0-9０-９.,．，]\s+[0-9０-９.,．，]")
_BRACKET_RE = re.compile(r"\(([^()]*)(?:\)|$)")
_TRAILING_BRACKETS_RE = re.compile(r"(?:\([^()]*(?:\)|$))+$")

_HALFWIDTH: dict[int, int | str] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_HALFWIDTH.update(
    {
        0x3000: " ",
        **{ord(c): "≥" for c in "≧⩾≮"},
        **{ord(c): "≤" for c in "≦⩽≯"},
        ord("﹤"): "<", ord("﹥"): ">", ord("﹦"): "=", ord("﹢"): "+",
        ord("−"): "-", ord("﹣"): "-", ord("﹪"): "%", ord("﹒"): ".",
    }
)  # fmt: skip

# --------------------------------------------------------------------------- helpers


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (digits, letters, ％, ＞＝, ．, （）) to half-width, operator
    variants (≧ ⩾ ≦ ⩽ ≮ ≯, small forms) to ≥ ≤ < > =; CJK characters are kept as is."""
    return text.translate(_HALFWIDTH)


def _compact(text: str) -> str:
    """Drop every whitespace character (PDF extraction and typing put them anywhere)."""
    return _SPACE_RE.sub("", text)


def _format_number(value: float | Decimal) -> str:
    """Shortest text of a number cell: 0.91 -> "0.91", 1.0 -> "1", 1e16 -> "10000000000000000"."""
    dec = Decimal(repr(value)) if isinstance(value, float) else value
    if not dec.is_finite():
        return str(dec)
    text = format(dec, "f")
    return text[:-2] if isinstance(value, float) and text.endswith(".0") else text


def _as_text(raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, float | Decimal):
        return _format_number(raw)
    if isinstance(raw, dt.date):  # a date cell (a datetime from openpyxl): its day, as parse does
        return raw.isoformat()[:10]
    return str(raw).strip()


def _combine(pre: str | None, post: str | None) -> tuple[bool, Operator | None]:
    """Merge prefix and postfix operator words; (False, None) when they conflict."""
    pre_op = _PREFIX_SYMBOLS.get(pre or "") or _PREFIX_WORDS.get(pre or "")
    post_op = _POSTFIX_WORDS.get(post or "")
    if pre_op is None or post_op is None:
        return True, pre_op or post_op
    if pre in _WEAK_PREFIXES:
        return True, post_op
    if _DIRECTION[pre_op] == _DIRECTION[post_op] != 0:
        return True, pre_op
    return False, None


def _unit_ok(unit: str) -> bool:
    """A known unit, or short unknown CJK text that cannot be a vague amount or a typo."""
    for part in _UNIT_SEP_RE.split(unit):
        if part in _UNIT_SET:
            continue
        if part in _MAGNITUDES or _VAGUE_CHARS.intersection(part):
            return False
        # "项完成" is the known unit "项" followed by stray text, not a new unit; "场次" (场 + 次)
        # and "人天" (人 + 天) are two known units, a compound unit of measure.
        prefixes = [known for known in _UNIT_SET if part.startswith(known)]
        if prefixes and not any(part[len(known) :] in _UNIT_SET for known in prefixes):
            return False
    return True


def _parse_quantity(raw: str, text: str) -> IndicatorValue | None:
    """Parse ``text`` (compact, half-width) as a quantity; None if it is not one."""
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        return None
    unit = match["unit"]
    if unit is not None and not _unit_ok(unit):
        return IndicatorValue(raw=raw)
    ok, operator = _combine(match["pre"], match["post"])
    if not ok:
        return IndicatorValue(raw=raw)
    number = Decimal(match["num"].replace(",", ""))
    return IndicatorValue(raw=raw, operator=operator, number=number, unit=unit)


def _is_deadline(text: str) -> bool | None:
    """True for a calendar deadline, None if not one, False if it names an impossible date."""
    match = _DEADLINE_RE.fullmatch(text)
    if match is None:
        return None
    if match["dy"] is not None:
        month, day = match["dm"], match["dd"]
    else:
        month, day = match["m"], match["d"]
        if not _names_a_date(match):
            return None
    if month is not None and not 1 <= int(month) <= 12:
        return False
    return day is None or 1 <= int(day) <= 31


def _names_a_date(match: re.Match[str]) -> bool:
    # "2023年" alone is a deadline but "≤2023年" an amount of years, as "≤12月" is of months;
    # a month needs a day, 份, 底 or 前 ("12月底前"); a bare 年 needs 底/末/初 ("≤年底").
    year, month, mark = match["y"], match["m"], match["mark"]
    if month and (match["fen"] or match["d"] or mark or match["before"]):
        return True
    if match["op"]:
        return bool(year and (month or mark) or match["bare_year"] and mark)
    return bool(year or match["bare_year"] and mark)


def _is_grade(compact: str, text: str) -> bool:
    if compact in _GRADE_SET:
        return True
    return _GRADE_RE.fullmatch(text) is not None and _HAS_CJK_RE.search(text) is not None


@lru_cache(maxsize=16384)
def _parse_text(raw: str) -> IndicatorValue:
    """Parse the stripped, non-empty text of a cell."""
    if _DIGIT_GAP_RE.search(raw):
        return IndicatorValue(raw=raw)
    compact = _compact(raw)
    tidy = _tidy(compact)
    text = to_halfwidth(tidy)
    deadline = _is_deadline(text)
    if deadline is not None:
        return IndicatorValue(raw=raw, grade=tidy if deadline else None)
    quantity = _parse_quantity(raw, text)
    if quantity is not None:
        return quantity
    if _is_grade(compact, text if tidy is compact else to_halfwidth(compact)):
        return IndicatorValue(raw=raw, grade=compact)
    return IndicatorValue(raw=raw)


def _tidy(compact: str) -> str:
    """``compact`` without the "（含）" note and trailing separators; the same object when it
    has neither (most values)."""
    if "含" in compact:
        compact = _INCLUSIVE_RE.sub("", compact)
    if compact and compact[-1] in _TRAILING_SEPS:
        compact = _TRAILING_SEP_RE.sub("", compact)
    return compact


# --------------------------------------------------------------------------- public API


def parse_value(raw: object) -> IndicatorValue | None:
    """Parse a 指标值 cell; None for a blank cell.

    Accepts str, int, float and Decimal. Floats are written without binary noise
    (0.91 -> "0.91", 1.0 -> "1"), and ``raw`` holds that text.
    """
    if raw is None:
        return None
    text = _as_text(raw)
    if not text:
        return None
    return _parse_text(text)


def _bracket_unit(name: str) -> str | None:
    """The unit written in brackets in a name: "满意度（%）", "时间（年" (unclosed)."""
    for content in reversed(_BRACKET_RE.findall(name)):
        content = content.removeprefix("单位:").removeprefix("单位")
        if content in _UNIT_SET:
            return content
    return None


def _bare_name(name: str) -> str:
    """Compact half-width name with its trailing bracketed notes removed."""
    return _TRAILING_BRACKETS_RE.sub("", to_halfwidth(_compact(name)))


def implied_unit(name: str | None) -> str | None:
    """The unit an indicator name implies: a bracketed unit, else "%" for a rate
    (name ending in 率 or 占比, or holding 满意度); None when the name implies nothing."""
    if not name:
        return None
    unit = _bracket_unit(to_halfwidth(_compact(name)))
    if unit is not None:
        return unit
    bare = _bare_name(name)
    if (bare.endswith(("率", "占比")) and not bare.endswith(NOT_PERCENT_RATES)) or "满意度" in bare:
        return "%"
    return None


# Names ending in 率 that are not percentages (办公效率 明显提升, 设备功率 ≥5千瓦).
# Names ending in 率 that are not shares of a whole (efficiency, frequency, power, turnover).
NOT_PERCENT_RATES = ("效率", "频率", "功率", "速率", "周转率", "税率表")


def is_rate_name(name: str | None) -> bool:
    """Whether an indicator name denotes a rate or percentage."""
    if not name:
        return False
    return _is_rate_name(name)  # cached: the same names recur in every workbook


@lru_cache(maxsize=16384)
def _is_rate_name(name: str) -> bool:
    text = to_halfwidth(_compact(name))
    if "%" in text or any(w in text for w in ("满意度", "占比", "比例", "比率", "百分比")):
        return True
    bare = _bare_name(name)
    return bare.endswith("率") and not bare.endswith(NOT_PERCENT_RATES)


def to_wan(number: Decimal, unit: str | None) -> Decimal | None:
    """A money amount in 万元; None when ``unit`` is not a money unit (or is None)."""
    if unit is None:
        return None
    exponent = _MONEY_TO_WAN.get(to_halfwidth(unit.strip()))
    if exponent is None:
        return None
    return number * 10**exponent if exponent >= 0 else number / 10**-exponent
