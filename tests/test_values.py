"""Tests of the 指标值 grammar (xl_budget.values)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xl_budget.values import (
    GRADES,
    UNITS,
    IndicatorValue,
    implied_unit,
    is_rate_name,
    parse_value,
    to_halfwidth,
    to_wan,
)

D = Decimal

# (input, operator, number, unit)
QUANTITIES = [
    ("≥90%", "≥", D(90), "%"),
    ("≥ 90 %", "≥", D(90), "%"),
    ("≥９０％", "≥", D(90), "%"),
    ("≥ 0.91 万元", "≥", D("0.91"), "万元"),
    ("≧90％", "≥", D(90), "%"),
    ("＞＝９０", "≥", D(90), None),
    (">=90", "≥", D(90), None),
    ("=>90", "≥", D(90), None),
    ("⩾90", "≥", D(90), None),
    ("<=5", "≤", D(5), None),
    ("=<5", "≤", D(5), None),
    ("≦5", "≤", D(5), None),
    ("⩽5", "≤", D(5), None),
    ("＜＝5", "≤", D(5), None),
    ("==100%", "=", D(100), "%"),
    ("＝100％", "=", D(100), "%"),
    ("＞3次", ">", D(3), "次"),
    ("＜3次", "<", D(3), "次"),
    (">3", ">", D(3), None),
    ("<3", "<", D(3), None),
    ("不低于90%", "≥", D(90), "%"),
    ("不少于1000人次", "≥", D(1000), "人次"),
    ("不小于20次", "≥", D(20), "次"),
    ("大于等于95%", "≥", D(95), "%"),
    ("达到500人次", "≥", D(500), "人次"),
    ("至少1次", "≥", D(1), "次"),
    ("不高于5万元", "≤", D(5), "万元"),
    ("不超过3个工作日", "≤", D(3), "个工作日"),
    ("不多于2次", "≤", D(2), "次"),
    ("不大于10%", "≤", D(10), "%"),
    ("小于等于4.86万元", "≤", D("4.86"), "万元"),
    ("至多3天", "≤", D(3), "天"),
    ("大于90%", ">", D(90), "%"),
    ("高于80%", ">", D(80), "%"),
    ("超过100人", ">", D(100), "人"),
    ("多于5项", ">", D(5), "项"),
    ("小于5%", "<", D(5), "%"),
    ("低于1‰", "<", D(1), "‰"),
    ("少于3次", "<", D(3), "次"),
    ("等于100%", "=", D(100), "%"),
    ("为100%", "=", D(100), "%"),
    ("90%以上", "≥", D(90), "%"),
    ("80%及以上", "≥", D(80), "%"),
    ("5万元以内", "≤", D(5), "万元"),
    ("5%以下", "≤", D(5), "%"),
    ("5%及以下", "≤", D(5), "%"),
    ("3个工作日内", "≤", D(3), "个工作日"),
    ("90以上", "≥", D(90), None),
    ("不低于90%以上", "≥", D(90), "%"),  # prefix and postfix agree
    ("≥90%以上", "≥", D(90), "%"),
    ("大于90%以上", ">", D(90), "%"),  # same direction: the prefix is the more precise
    ("为90%以上", "≥", D(90), "%"),  # a weak prefix yields to the postfix
    ("控制在5万元以内", "≤", D(5), "万元"),
    ("≤0.91万元", "≤", D("0.91"), "万元"),
    ("=100%", "=", D(100), "%"),
    ("≥100", "≥", D(100), None),
    ("≤4.86", "≤", D("4.86"), None),
    ("1", None, D(1), None),
    ("4.86", None, D("4.86"), None),
    ("1,000元", None, D(1000), "元"),
    ("≥1,234.5元", "≥", D("1234.5"), "元"),
    ("-5", None, D(-5), None),
    ("≥-5℃", "≥", D(-5), "℃"),
    ("≤12月", "≤", D(12), "月"),
    ("12月", None, D(12), "月"),
    ("≥10年", "≥", D(10), "年"),
    ("≥20元/人", "≥", D(20), "元/人"),
    ("≤2万元/人", "≤", D(2), "万元/人"),
    ("≥2个百分点", "≥", D(2), "个百分点"),
    ("≥90分", "≥", D(90), "分"),
    ("≥6个月", "≥", D(6), "个月"),
    ("≥10株", "≥", D(10), "株"),
    ("≥500头", "≥", D(500), "头"),
    ("≥3盏以上", "≥", D(3), "盏"),
    ("≥3孔", "≥", D(3), "孔"),  # short unknown CJK text is accepted as a unit
    ("5.6万份", None, D("5.6"), "万份"),
    ("5元/株", None, D(5), "元/株"),
    ("≥.5", "≥", D("0.5"), None),
    # compound count units: a known unit + 次 (or another known unit)
    ("≥10场次", "≥", D(10), "场次"),
    ("≥365班次", "≥", D(365), "班次"),
    ("≥200批次", "≥", D(200), "批次"),
    ("≥20台次", "≥", D(20), "台次"),
    ("≥20篇次", "≥", D(20), "篇次"),
    ("≥300家次", "≥", D(300), "家次"),
    ("≥50件次", "≥", D(50), "件次"),
    ("≥12架次", "≥", D(12), "架次"),
    ("≥30个次", "≥", D(30), "个次"),
    ("≥100人天", "≥", D(100), "人天"),
    ("≥120人学时", "≥", D(120), "人学时"),
    # rates per head and period: "/" parts and "·"
    ("=1000元/生·年", "=", D(1000), "元/生·年"),
    ("1250元/生/年", None, D(1250), "元/生/年"),
    ("≤400元/人·天", "≤", D(400), "元/人·天"),
    ("=500元/人·月", "=", D(500), "元/人·月"),
    ("≤400元/人・天", "≤", D(400), "元/人・天"),  # katakana middle dot, as IMEs type it
    ("≥3人·次", "≥", D(3), "人·次"),
    # trailing separators and the inclusive note (pasted from Word)
    ("≥90%；", "≥", D(90), "%"),
    ("≥95%。", "≥", D(95), "%"),
    ("≥3次，", "≥", D(3), "次"),
    ("≥3次;", "≥", D(3), "次"),
    ("≥95%（含）", "≥", D(95), "%"),
    ("90%（含）以上", "≥", D(90), "%"),
    ("≥95%（含）；", "≥", D(95), "%"),
    # an operator and a bare year is an amount of years, as before
    ("≤2023年", "≤", D(2023), "年"),
    (1, None, D(1), None),
    (1.0, None, D(1), None),
    (0.91, None, D("0.91"), None),
    (100.0, None, D(100), None),
    (D("4.86"), None, D("4.86"), None),
]


@pytest.mark.parametrize(("raw", "operator", "number", "unit"), QUANTITIES)
def test_quantities(raw: object, operator: str | None, number: Decimal, unit: str | None) -> None:
    value = parse_value(raw)
    assert value is not None
    assert value.kind == "quantity"
    assert (value.operator, value.number, value.unit, value.grade) == (operator, number, unit, None)
    assert isinstance(value.number, Decimal)


@pytest.mark.parametrize(
    ("raw", "text"),
    [(1.0, "1"), (0.91, "0.91"), (100.0, "100"), (4.86, "4.86"), (1e-05, "0.00001"),
     (1e16, "10000000000000000"), (-2.5, "-2.5"), (7, "7"), (D("1E+2"), "100"),
     ("  ≥90%\n", "≥90%"), ("\u3000好\u3000", "好")],
)  # fmt: skip
def test_raw_text(raw: object, text: str) -> None:
    value = parse_value(raw)
    assert value is not None
    assert value.raw == text


@pytest.mark.parametrize(
    ("raw", "grade"),
    [
        *((g, g) for g in ("好", "较好", "一般", "差", "是", "否", "有", "无", "达标", "未达标")),
        *((g, g) for g in ("明显提升", "有所改善", "按时完成", "满意", "基本满意", "优秀")),
        ("按期完成", "按期完成"),
        ("效果明显", "效果明显"),
        ("达到国家标准", "达到国家标准"),
        ("明显 提升", "明显提升"),  # whitespace inside is dropped
        ("年底前完成", "年底前完成"),
        # calendar deadlines are qualitative text, not amounts
        ("12月底前", "12月底前"),
        ("12月底", "12月底"),
        ("12 月底前", "12月底前"),
        ("１２月底前", "１２月底前"),
        ("2023年12月31日前", "2023年12月31日前"),
        ("2023年12月底前完成", "2023年12月底前完成"),
        ("在6月30日前完成", "在6月30日前完成"),
        ("6月30日", "6月30日"),
        ("12月份", "12月份"),
        ("12月前", "12月前"),
        ("2023年", "2023年"),
        ("2023年底前", "2023年底前"),
        # deadlines with an operator
        ("≤12月底", "≤12月底"),
        ("≤6月底", "≤6月底"),
        ("≤2023年12月", "≤2023年12月"),
        ("≤12月31日", "≤12月31日"),
        ("≤12月份", "≤12月份"),
        ("≤年底", "≤年底"),
        ("≤ 12 月底", "≤12月底"),
        ("＜＝12月底", "＜＝12月底"),
        ("<12月底", "<12月底"),
        ("=12月31日", "=12月31日"),
        ("≤2023年底", "≤2023年底"),
        ("≤本年度末", "≤本年度末"),
        # dates
        ("2023/12/31", "2023/12/31"),
        ("2023-12-31", "2023-12-31"),
        ("2023.12.31", "2023.12.31"),
        ("2023-6-30", "2023-6-30"),
        ("≤2023/12/31", "≤2023/12/31"),
        ("2023-12-31前", "2023-12-31前"),
        # trailing separators
        ("12月底前；", "12月底前"),
        ("≤12月底。", "≤12月底"),
        ("2023-12-31，", "2023-12-31"),
    ],
)
def test_grades(raw: str, grade: str) -> None:
    value = parse_value(raw)
    assert value is not None
    assert value.kind == "grade"
    assert (value.operator, value.number, value.unit, value.grade) == (None, None, None, grade)


@pytest.mark.parametrize(
    ("raw", "grade"),
    [(dt.date(2023, 12, 31), "2023-12-31"), (dt.datetime(2023, 12, 31), "2023-12-31"),
     (dt.datetime(2023, 6, 30, 17, 30), "2023-06-30")],
)  # fmt: skip
def test_date_cells_are_deadlines(raw: object, grade: str) -> None:
    # calamine gives a date cell as a date, openpyxl as a datetime: both read as "2023年12月31日" does
    value = parse_value(raw)
    assert value is not None
    assert (value.raw, value.kind, value.grade) == (grade, "grade", grade)


@pytest.mark.parametrize("grade", GRADES)
def test_every_known_grade(grade: str) -> None:
    value = parse_value(grade)
    assert value is not None and value.grade == grade


@pytest.mark.parametrize(
    "raw",
    [
        "2000万2", "2000万", "abc", "≥", "90%%", "1-2项", "1~2项", "1至2项", "90%-95%",
        "100人左右", "378余个", "约100人", "3项完成", "100%完成", "≥90%以下", "=90%以上",
        "不超过90%以上", "≥好", "9 0", "1,0000", "90.", "13月底前", "12月32日", "是/否",
        "A级", "≥90%、≥95%", "这是一段超过十二个字的描述性的文字内容", "--5", "5元/",
        "≥2项完成", "≥3个完成", "≥12月底", ">12月底", "≤13月底", "≤12月32日", "2023-13-01",
        "2023-12-32", "2023/12-31", "2023-12", "5元/·", "5元//人", "5元·", "≥90%；≥95%",
        "≥90%,95%", "90.；",
        float("nan"), float("inf"), True,
    ],
)  # fmt: skip
def test_invalid(raw: object) -> None:
    value = parse_value(raw)
    assert value is not None
    assert value.kind == "invalid"
    assert (value.operator, value.number, value.unit, value.grade) == (None, None, None, None)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\n\t"])
def test_blank(raw: object) -> None:
    assert parse_value(raw) is None


def test_model_is_frozen() -> None:
    value = parse_value("≥90%")
    assert value == IndicatorValue(raw="≥90%", operator="≥", number=D(90), unit="%")
    with pytest.raises(ValueError):
        value.number = D(1)  # type: ignore[misc, union-attr]


def test_to_halfwidth() -> None:
    assert to_halfwidth("≥９０．５％（万元）") == "≥90.5%(万元)"
    assert to_halfwidth("＞＝＜＝＝\u3000") == ">=<== "
    assert to_halfwidth("≧⩾≦⩽") == "≥≥≤≤"
    assert to_halfwidth("群众满意度") == "群众满意度"


@pytest.mark.parametrize(
    ("name", "unit", "rate"),
    [
        ("群众满意度（%）", "%", True),
        ("群众满意度(%)", "%", True),
        ("群众满意度 (%)", "%", True),
        ("群众满意度（％）", "%", True),
        ("资产使用者满意度", "%", True),
        ("项目验收合格率", "%", True),
        ("项目验收合格 率", "%", True),
        ("合格率（按年）", "%", True),
        ("资金占比", "%", True),
        ("支出比例", None, True),
        ("设备购置类项目持续使用时间（年）", "年", False),
        ("设备购置类项目持续使 用时间（年", "年", False),
        ("项目成本（万元）", "万元", False),
        ("项目成本（单位：万元）", "万元", False),
        ("购买数量（个）", "个", False),
        ("培训人数(人次)", "人次", False),
        ("培训次数", None, False),
        ("设备性能良好", None, False),
        ("", None, False),
        (None, None, False),
    ],
)
def test_name_units(name: str | None, unit: str | None, rate: bool) -> None:
    assert implied_unit(name) == unit
    assert is_rate_name(name) is rate


@pytest.mark.parametrize(
    ("number", "unit", "wan"),
    [(D(10000), "元", D(1)), (D(4860), "元", D("0.486")), (D(5), "千元", D("0.5")),
     (D("0.91"), "万元", D("0.91")), (D("1.5"), "亿元", D(15000)),
     (D(1), "人", None), (D(1), "%", None), (D(1), None, None)],
)  # fmt: skip
def test_to_wan(number: Decimal, unit: str | None, wan: Decimal | None) -> None:
    assert to_wan(number, unit) == wan


# --------------------------------------------------------------------------- properties

_PREFIXES = {
    "≥": [">=", "=>", "≥", "≧", "⩾", "＞＝", "不低于", "不少于", "不小于", "大于等于", "达到", "至少"],
    "≤": ["<=", "=<", "≤", "≦", "⩽", "＜＝", "不高于", "不超过", "不多于", "不大于", "小于等于", "至多"],
    "=": ["=", "＝", "==", "等于", "为"],
    ">": [">", "＞", "大于", "高于", "超过", "多于"],
    "<": ["<", "＜", "小于", "低于", "少于"],
}  # fmt: skip
_POSTFIXES = {"≥": ["以上", "及以上"], "≤": ["以内", "以下", "及以下"]}
_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


@st.composite
def _spelled_quantity(
    draw: st.DrawFn, note: bool = False
) -> tuple[str, str | None, Decimal, str | None]:
    operator = draw(st.sampled_from([None, *_PREFIXES]))
    unit = draw(st.sampled_from([None, *UNITS]))
    number = draw(st.decimals(min_value=-(10**9), max_value=10**9, places=draw(st.integers(0, 4))))
    text = draw(st.sampled_from(["{:f}", "{:,f}"])).format(number)
    prefix = postfix = ""
    if operator is not None:
        style = draw(st.sampled_from(["prefix", "postfix", "both"]))
        if style != "postfix" or operator not in _POSTFIXES:
            prefix = draw(st.sampled_from(_PREFIXES[operator]))
        if style != "prefix" and operator in _POSTFIXES:
            postfix = draw(st.sampled_from(_POSTFIXES[operator]))
    # a bare four-digit year is a deadline ("2023年"), not an amount of years
    assume(not (unit in ("年", "年度") and not prefix and len(text) == 4))
    space = st.sampled_from(["", " ", "  ", "\u3000"])
    # "（含）" says the bound is inclusive: it may follow the amount
    inclusive = draw(st.sampled_from(["（含）", "(含)", "（含本数）"])) if note else ""
    parts = [prefix, draw(space), text, draw(space), unit or "", inclusive, draw(space), postfix]
    spelled = draw(space) + "".join(parts) + draw(space)
    if draw(st.booleans()):
        spelled = spelled.translate(_FULLWIDTH)
    return spelled, operator, number, unit


@given(_spelled_quantity())
def test_any_spelling_parses(case: tuple[str, str | None, Decimal, str | None]) -> None:
    spelled, operator, number, unit = case
    value = parse_value(spelled)
    assert value is not None
    assert (value.operator, value.number, value.unit) == (operator, number, unit)
    assert value.raw == spelled.strip()


@given(st.text())
def test_never_raises_and_keeps_raw(text: str) -> None:
    value = parse_value(text)
    if not text.strip():
        assert value is None
    else:
        assert value is not None
        assert value.raw == text.strip()
        assert value.kind in ("quantity", "grade", "invalid")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4))
def test_float_round_trip(number: Decimal) -> None:
    value = parse_value(float(str(number)))
    assert value is not None
    assert value.number == Decimal(str(number))
    assert not value.raw.endswith(".0")


_SEPARATORS = ["；", ";", "。", "，", ",", "、", "；。"]


@given(_spelled_quantity(), st.sampled_from(_SEPARATORS))
def test_trailing_separator_keeps_reading(
    case: tuple[str, str | None, Decimal, str | None], separator: str
) -> None:
    spelled, operator, number, unit = case
    value = parse_value(spelled.strip() + separator)
    assert value is not None
    assert (value.operator, value.number, value.unit) == (operator, number, unit)


@given(_spelled_quantity(note=True))
def test_inclusive_note_keeps_reading(case: tuple[str, str | None, Decimal, str | None]) -> None:
    spelled, operator, number, unit = case
    value = parse_value(spelled)
    assert value is not None
    assert (value.operator, value.number, value.unit) == (operator, number, unit)


_AT_MOST = ["≤", "<=", "=<", "＜＝", "≦", "<", "=", "不晚于", "不迟于", "不超过"]
_DEADLINES = [
    "{m}月底",
    "{m}月末",
    "{m}月份",
    "{m}月{d}日",
    "{m}月{d}号",
    "{y}年{m}月",
    "{y}年{m}月底",
    "{y}年{m}月{d}日",
    "{y}年底",
    "{y}/{m}/{d}",
    "{y}-{m}-{d}",
    "{y}.{m}.{d}",
    "年底",
    "年末",
]


@given(
    st.sampled_from(_AT_MOST),
    st.sampled_from(_DEADLINES),
    st.integers(2000, 2099),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from(["", "前", "之前", "前完成", "；"]),
)
def test_deadline_with_operator_is_a_grade(
    operator: str, form: str, year: int, month: int, day: int, tail: str
) -> None:
    deadline = form.format(y=year, m=month, d=day) + tail
    for text in (deadline, operator + deadline):
        value = parse_value(text)
        assert value is not None and value.kind == "grade", text


_COUNT_UNITS = [u for u in UNITS if len(u) <= 3 and all("\u4e00" <= c <= "\u9fff" for c in u)]


@given(st.sampled_from(_COUNT_UNITS), st.integers(1, 10**6))
def test_known_unit_and_ci_is_a_unit(unit: str, number: int) -> None:
    value = parse_value(f"≥{number}{unit}次")
    assert value is not None
    assert (value.operator, value.number, value.unit) == ("≥", Decimal(number), unit + "次")


@given(st.sampled_from(_COUNT_UNITS), st.sampled_from(["完成", "合格", "达标", "以上完成"]))
def test_known_unit_and_stray_text_is_invalid(unit: str, stray: str) -> None:
    value = parse_value(f"≥2{unit}{stray}")
    assert value is not None and value.kind == "invalid"
