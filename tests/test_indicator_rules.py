"""Indicator rules (I001–I017): name classification and rules over hand-built models (no files),
and the seed's 第二部分 read from its text rows, with the defects DOMAIN.md lists for the I rules."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from seed_expected import seed_path

from xl_budget.findings import Finding
from xl_budget.grids import make_grid
from xl_budget.model import Budget, BudgetBook, Indicator, Project
from xl_budget.parse import parse_grids
from xl_budget.profile import load_profile
from xl_budget.rules import _indicator_kinds as K
from xl_budget.rules import indicators
from xl_budget.values import parse_value

SEED = seed_path()  # the seed document, copied into docs/seed/
DEFAULT = load_profile("default")
CENTRAL = load_profile("central2021")
D = Decimal


# ------------------------------------------------------------------ helpers
def ind(level1: str | None, level2: str | None, name: str | None, value: Any, *,
        description: str | None = "说明", basis: str | None = "计划标准", row: int = 13) -> Indicator:
    """An indicator row at ``row`` of sheet 项目1, with every cell address set."""
    out = Indicator(sheet="项目1", level1=level1, level2=level2, name=name, description=description,
                    value=parse_value(value), basis=basis)
    out.cells = {field: f"{col}{row}" for field, col in
                 zip(("level1", "level2", "name", "description", "value", "basis"), "ABCDEF", strict=True)}
    return out


def classified(row: Indicator, profile=DEFAULT) -> K.Row:
    """``row`` as the indicator rules see it under ``profile``."""
    return K.rows(Project(indicators=[row]), K.Scheme.of(profile))[0]


def project(*rows: Indicator, total: str = "8") -> Project:
    """A project holding ``rows`` (re-addressed to rows 13, 14, …)."""
    for i, row in enumerate(rows):
        row.cells = {k: f"{v[0]}{13 + i}" for k, v in row.cells.items()}
    p = Project(sheet="项目1", code="13082123P00020010002T", name="办公设备购置",
                budget=Budget(total=D(total)), indicators=list(rows))
    p.cells["indicators"] = "A13"
    return p


def run(p: Project, profile: Any = DEFAULT, codes: tuple[str, ...] = ()) -> list[Finding]:
    book = BudgetBook(projects=[p])
    out = [f for rule in indicators.get_rules() for f in rule().check_book(book, profile)]
    return [f for f in out if not codes or f.code in codes]


def where(findings: list[Finding]) -> set[tuple[str, str | None]]:
    return {(f.code, f.cell) for f in findings}


# A complete, correct table (every category, units, 依据): no indicator finding at all.
def correct_rows() -> list[Indicator]:
    return [
        ind("产出指标", "数量指标", "购置设备数量", "=20台"),
        ind("产出指标", "质量指标", "设备验收合格率", "=100%"),
        ind("产出指标", "时效指标", "采购完成时间", "≤12月"),
        ind("产出指标", "成本指标", "设备购置成本", "≤8万元"),
        ind("效益指标", "社会效益指标", "机关办公效率", "明显提升"),
        ind("效益指标", "可持续影响指标", "设备使用年限", "≥6年"),
        ind("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥90%"),
    ]


# ------------------------------------------------------------------ classification
@pytest.mark.parametrize("name", ["设备性能良好", "信息网络系统安全", "节本增效", "水质达标",
                                  "资金使用规范", "服务质量明显提升"])
def test_state_names(name: str) -> None:
    assert K.is_state_name(name)


@pytest.mark.parametrize("name", ["项目验收合格率", "设备完好率", "安全运行天数", "群众满意度（%）",
                                  "购买数量", "资金支付及时率", "完成时间", "服务水平", "经济效益指标",
                                  "系统安全（%）", None, ""])
def test_amount_names_are_not_states(name: str | None) -> None:
    assert not K.is_state_name(name)


@pytest.mark.parametrize(("name", "expected"), [
    ("培训次数", True), ("制作展牌数量", True), ("项目预算控制数", True), ("受益人数", True),
    ("服务质量", False), ("群众满意度", False), ("物价指数", False), ("设备性能良好", False),
    ("设备技术参数", False), ("网络设备配置参数", False),
])
def test_count_names(name: str, expected: bool) -> None:
    assert K.is_count_name(name) is expected


@pytest.mark.parametrize(("name", "expected"), [
    ("项目验收合格率", True), ("群众满意度（%）", True), ("资金占比", True),
    ("机关办公效率", False), ("培训频率", False), ("培训次数", False), ("库存周转率", False),
])
def test_rate_titles(name: str, expected: bool) -> None:
    assert K.is_rate_title(name) is expected


def test_duration_negative_and_change_names() -> None:
    assert K.is_duration("设备购置类项目持续使用时间（年")
    assert K.is_duration("设备使用年限") and not K.is_duration("培训次数")
    assert K.is_negative("安全事故次数") and K.is_negative("群众投诉数量")
    assert not K.is_negative("培训次数")
    assert K.is_change_rate("农民收入增长率") and not K.is_change_rate("项目验收合格率")


@pytest.mark.parametrize(("name", "expected"), [
    ("森林火灾发生次数", True), ("刑事案件发案数", True), ("辍学人数", True), ("返贫人数", True),
    ("重大动物疫情发生数", True), ("食品安全事件", True), ("欠薪案件", True), ("服务差评数", True),
    ("疫情防控宣传次数", False), ("水土流失治理面积", False), ("追讨欠薪人数", False),
    ("防止返贫监测户数", False), ("突发事件应急处置次数", False), ("劝返辍学学生人数", False),
])
def test_bad_events_unless_the_name_counts_the_remedy(name: str, expected: bool) -> None:
    assert K.is_negative(name) is expected


@pytest.mark.parametrize(("name", "expected"), [
    ("公务用车保有量", True), ("会议次数", True), ("参会人数", True), ("培训天数", True),
    ("因公出国（境）团组数", True), ("三公经费支出", True), ("公务接待次数", True),
    ("购置设备数量", False), ("培训期数", False), ("编制规划数量", False), ("设备购置类项目持续使用时间", False),
    ("出境游客人数", False),
])
def test_policy_caps(name: str, expected: bool) -> None:
    assert K.is_cap(name) is expected


@pytest.mark.parametrize(("basis", "expected"), [
    (None, True), ("", True), ("/", True), ("／", True), ("—", True), ("——", True), ("-", True),
    ("--", True), ("无", True), ("暂无", True),
    ("计划标准", False), ("其他", False), ("年初工作计划", False), ("无依据可循，按上年执行", False),
])
def test_blank_basis(basis: str | None, expected: bool) -> None:
    assert K.is_blank_basis(basis) is expected


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("资金到位率", "≥8万元", True), ("宣传覆盖率", "≥378个", True), ("设备完好率", "=20台", True),
    ("财政补助比例", "≥5万元", True), ("资金到位率", "=100%", False), ("婴儿死亡率", "≤6‰", False),
    ("农民收入增长率", "≥2个百分点", False), ("线上业务量增长率", "≥1倍", False), ("合格率", "≥1倍", True),
    ("群众满意度", "≥90分", False), ("覆盖率（个）", "≥378个", False), ("培训频率", "≥4次/年", False),
    ("按比例配套资金", "≥5万元", False), ("资金到位率", "≥8", False),
])
def test_share_in_other_unit(name: str, value: str, expected: bool) -> None:
    row = classified(ind("产出指标", "质量指标", name, value))
    assert K.row_share_in_other_unit(row) is expected


def test_name_key_folds_spaces_brackets_and_width() -> None:
    assert K.name_key("设备购置类项目持续使用时间（年") == K.name_key("设备购置类项目持续使用 时间（年）")
    assert K.name_key("群众满意度 (%)") == K.name_key("群众满意度（%）")
    assert K.name_key("资金按时支出") != K.name_key("支付时效")


def test_cost_rows_in_both_profiles() -> None:
    local = ind("产出指标", "成本指标", "设备购置成本", "≤8万元")
    central = ind("成本指标", "经济成本指标", "设备购置成本", "≤8万元")
    social = ind("成本指标", "社会成本指标", "征地影响户数", "≤3户")
    assert classified(local, DEFAULT).level.cost and classified(local, CENTRAL).level.cost
    assert classified(central, CENTRAL).level.cost and classified(social, CENTRAL).level.cost
    assert not classified(ind("产出指标", "数量指标", "购买数量", "=1台"), DEFAULT).level.cost


@pytest.mark.parametrize(("value", "name", "wan"), [
    ("≤9100元", "设备购置成本", D("0.91")), ("≤5", "设备购置成本", D(5)), ("≤0.2亿元", "总成本", D(2000)),
    ("≤200元/人次", "人均培训成本", None), ("≥90%", "成本节约率", None), ("好", "成本控制", None),
    ("≤5", "成本节约率", None), ("≤9100", "设备购置成本（元）", D("0.91")),
    ("≤2", "设备购置成本（万元）", D(2)), ("≤5", "设备使用年限（年）", None),
])
def test_money_in_wan(value: str, name: str, wan: Decimal | None) -> None:
    assert K.row_money_wan(classified(ind("产出指标", "成本指标", name, value))) == wan


def test_budget_figure_in_a_timeliness_row() -> None:
    def held(value: str, name: str = "支付时效") -> bool:
        return K.row_holds_budget_figure(classified(ind("产出指标", "时效指标", name, value)), D("4.86"))

    assert held("≤4.86") and held("≤4.86万元") and held("=3000元")
    assert not held("≤12月") and not held("≤1") and not held("=100%")
    assert not held("≤4.86", name="支付时间（月）")
    assert held("≤3", name="按期支付金额（万元）")
    assert not K.row_holds_budget_figure(classified(ind("产出指标", "数量指标", "支付笔数", "≤4.86")),
                                         D("4.86"))


# ------------------------------------------------------------------ rules over the model
def test_correct_table_has_no_finding() -> None:
    assert run(project(*correct_rows())) == []


@pytest.mark.parametrize(("name", "value"), [
    ("群众满意度", "≥95%"), ("群众满意度", "≥ 95 %"), ("群众满意度", "≥９５％"),
    ("群众满意度", "不低于95%"), ("群众满意度", "95%以上"), ("群众满意度（%）", "≥90"),
    ("资产使用者满意度", "≥90"), ("设备验收合格率", "=100%"), ("设备验收合格率", "≥95 %"),
    ("服务质量", "好"), ("水质状况", "达标"), ("设备性能良好", "良好"), ("培训覆盖率", "≥0.95%"),
])
def test_well_typed_values_raise_nothing(name: str, value: str) -> None:
    rows = correct_rows()
    rows[1] = ind("产出指标", "质量指标", name, value)
    assert run(project(*rows)) == []


def test_deadline_and_cost_values_raise_nothing() -> None:
    rows = correct_rows()
    rows[2] = ind("产出指标", "时效指标", "项目完成时限", "≤12月")
    rows[3] = ind("产出指标", "成本指标", "项目总成本", "≤50万元")
    assert run(project(*rows, total="50")) == []


def test_structure_findings_point_at_their_cells() -> None:
    rows = correct_rows()
    rows[0] = ind("产出", "数量指标", "购置设备数量", "=20台")
    rows[1] = ind("产出指标", "社会效益指标", "设备验收合格率", "=100%")
    rows[2] = ind("产出指标", "时效指标", None, "≤12月")
    rows[3] = ind("产出指标", "成本指标", "设备购置成本", None)
    got = where(run(project(*rows), codes=("I001", "I002", "I003", "I004")))
    assert got == {("I001", "A13"), ("I002", "B14"), ("I003", "C15"), ("I004", "E16")}


def test_inherited_level_cells_are_reported_once() -> None:
    rows = [ind("产出", "数量指标", f"数量{i}", "=1台") for i in range(3)]
    for r in rows:
        r.cells["level1"] = "A13"  # one merged 一级 cell over three rows
    p = project(*rows)
    for r in p.indicators:
        r.cells["level1"] = "A13"
    assert [f.cell for f in run(p, codes=("I001",))] == ["A13"]


def test_rate_range_and_at_least_100() -> None:
    rows = correct_rows()
    rows[1] = ind("产出指标", "质量指标", "设备验收合格率", "120%")
    rows.append(ind("产出指标", "质量指标", "安装合格率", "不低于100%"))
    rows.append(ind("产出指标", "质量指标", "调试合格率", "≥0.95"))
    rows.append(ind("效益指标", "经济效益指标", "农民收入增长率", "≥120%"))
    rows.append(ind("产出指标", "质量指标", "工程验收合格率", "=1"))
    rows.append(ind("产出指标", "质量指标", "资金发放差错率", "≤1"))
    found = {(f.cell, f.severity.value) for f in run(project(*rows), codes=("I007",))}
    assert found == {("E14", "error"), ("E20", "warning"), ("E21", "warning"), ("E23", "warning")}


def test_satisfaction_thresholds_follow_the_profile() -> None:
    def severity(value: str) -> list[str]:
        rows = correct_rows()
        rows[6] = ind("满意度指标", "服务对象满意度指标", "群众满意度", value)
        return [f.severity.value for f in run(project(*rows), codes=("I009",))]

    assert severity("≥85%") == [] and severity("≥80%") == []
    assert severity("≥70%") == ["warning"] and severity("≥50%") == ["error"]
    assert severity("≥90分") == ["warning"]
    assert severity("≥0.9") == []  # a fraction: I007 says to write ≥90%
    assert severity("=1") == []  # 100% as a fraction, or 1%? I007 asks

    rows = correct_rows()
    rows[6] = ind("满意度指标", "服务对象满意度指标", "群众满意度（分）", "≥90")
    assert [f.severity.value for f in run(project(*rows), codes=("I009",))] == ["warning"]


def test_cost_above_budget_converts_units() -> None:
    def over(value: str, total: str = "0.91") -> bool:
        rows = correct_rows()
        rows[3] = ind("产出指标", "成本指标", "设备购置成本", value)
        return bool(run(project(*rows, total=total), codes=("I010",)))

    assert not over("≤9100元") and not over("≤0.91万元") and not over("≤0.91")
    assert over("≤9100") and over("≤9200元") and over("≤1万元")
    assert not over("≤200元/台")


def test_direction() -> None:
    rows = correct_rows()
    rows[0] = ind("产出指标", "数量指标", "购置设备数量", "≤20台")
    rows[3] = ind("产出指标", "成本指标", "设备购置成本", "≥8万元")
    rows[5] = ind("效益指标", "可持续影响指标", "设备使用年限", "≤6年")
    rows.append(ind("产出指标", "数量指标", "安全事故次数", "≤0次"))
    rows.append(ind("产出指标", "数量指标", "返贫人数", "≤0人"))
    rows.append(ind("产出指标", "数量指标", "会议费支出", "≤1万元"))
    rows.append(ind("产出指标", "数量指标", "公务用车保有量", "≤2辆"))
    rows.append(ind("产出指标", "数量指标", "科普讲座次数", "≤1次"))
    assert where(run(project(*rows), codes=("I012",))) == {
        ("I012", "E13"), ("I012", "E16"), ("I012", "E18"), ("I012", "E24")}


def test_duplicates_placeholders_and_text() -> None:
    rows = correct_rows()
    rows.append(ind("产出指标", "数量指标", "购置设备 数量", "=20台"))
    rows.append(ind("效益指标", "经济效益指标", "经济效益指标", "明显", description="经济效益指标"))
    rows.append(ind("效益指标", "社会效益指标", "效益指标", "明显提升", basis=None))
    found = where(run(project(*rows), codes=("I013", "I014", "I015", "I016")))
    assert found == {("I013", "C20"), ("I016", "C21"), ("I015", "D21"), ("I016", "C22"), ("I014", "F22")}


def test_missing_categories_default_and_central() -> None:
    rows = [r for r in correct_rows() if r.level2 not in ("时效指标", "成本指标")
            and r.level1 != "满意度指标"]
    found = run(project(*rows), codes=("I017",))
    assert sorted((f.severity.value, f.cell) for f in found) == [
        ("error", "A13"), ("error", "A13"), ("warning", "A13")]
    central = correct_rows()
    central[3] = ind("成本指标", "经济成本指标", "设备购置成本", "≤8万元")
    assert run(project(*central), CENTRAL, codes=("I017",)) == []
    assert len(run(project(*correct_rows()), CENTRAL, codes=("I017",))) == 1  # 成本 一级 missing


def test_empty_project_misses_every_category() -> None:
    assert Counter(f.severity.value for f in run(project(), codes=("I017",))) == {
        "error": 5, "warning": 1}


def test_messages_are_formatted_chinese() -> None:
    rows = correct_rows()
    rows[0] = ind("产出指标", "数量指标", "购买数量", "1")
    rows[2] = ind("产出指标", "时效指标", "支付时效", "≤8")
    found = run(project(*rows))
    assert {f.code for f in found} == {"I006", "I011"}
    for f in found:
        assert "{" not in f.message and f.project == "13082123P00020010002T" and f.sheet == "项目1"
    assert any("≤8" in f.message and "≤12月" in f.message for f in found)


def test_registry_lists_i001_to_i017_in_order_with_docs() -> None:
    rules = indicators.get_rules()
    assert [r.code for r in rules] == [f"I{n:03d}" for n in range(1, 18)]
    for rule in rules:
        doc = rule.__doc__ or ""
        assert doc.index("**Anti-pattern**") < doc.index("**Best practice**")
        assert rule.name.startswith("indicators.") and "indicators" in rule.groups


# ------------------------------------------------------------------ the seed
def seed_book() -> BudgetBook:
    text = SEED.read_text("utf-8")
    part = text.split("预算项目绩效目标", 2)[-1]
    lines = [line for line in part.splitlines() if line.strip()]
    return parse_grids([make_grid("seed", [line.split("\t") for line in lines])])


@pytest.fixture(scope="module")
def seed() -> tuple[BudgetBook, list[Finding]]:
    if not SEED.is_file():
        pytest.skip("seed text not available")
    book = seed_book()
    found = [f for rule in indicators.get_rules() for f in rule().check_book(book, DEFAULT)]
    return book, found


def _cells(found: list[Finding], code: str, severity: str | None = None) -> set[str]:
    return {f.cell for f in found if f.code == code and (severity is None or f.severity.value == severity)}


def _rows(book: BudgetBook, table: int, field: str, *names: str) -> set[str]:
    return {i.cell(field) for i in book.projects[table].indicators if not names or i.name in names}


def test_seed_tables_are_read(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, _ = seed
    assert [len(p.indicators) for p in book.projects] == [10, 9, 9, 9]


def test_seed_rate_at_least_100(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, found = seed
    assert _cells(found, "I007", "warning") == _rows(book, 0, "value", "项目验收合格率", "购置设备合格率")
    assert _cells(found, "I007", "error") == set()


def test_seed_kind_mismatch_direction_placeholder(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, found = seed
    assert _rows(book, 0, "value", "设备性能良好", "信息网络系统安全") <= _cells(found, "I008")
    assert _cells(found, "I012") == _rows(book, 0, "value", "设备购置类项目持续使用时间（年")
    assert _cells(found, "I016") == _rows(book, 0, "name", "经济效益指标")


def test_seed_timeliness_holds_the_budget(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, found = seed
    expected = set().union(*(_rows(book, t, "value", "支付时效", "按期完成资金支付") for t in (1, 2, 3)))
    assert len(expected) == 6 and _cells(found, "I011", "error") == expected
    assert all("金额" in f.message for f in found if f.code == "I011")


def test_seed_basis_empty_in_tables_3_and_4(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, found = seed
    assert _cells(found, "I014") == _rows(book, 2, "basis") | _rows(book, 3, "basis")


def test_seed_descriptions_repeat_names(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, found = seed
    repeating = {i.cell("description") for p in book.projects for i in p.indicators
                 if i.description != "资金按时支出"}  # 支付时效 is described differently
    assert len(repeating) == 34 and _cells(found, "I015", "info") == repeating


def test_seed_most_values_lack_a_unit(seed: tuple[BudgetBook, list[Finding]]) -> None:
    book, found = seed
    no_unit = _cells(found, "I006")
    values = {i.cell("value") for p in book.projects for i in p.indicators}
    assert len(no_unit) >= 16 and no_unit <= values
    assert _rows(book, 0, "value", "购买数量") <= no_unit
    assert _rows(book, 1, "value", "培训次数", "制作展牌数量") <= no_unit
    # rates and 满意度 imply %; the service life names its 年
    assert not no_unit & _rows(book, 1, "value", "培训合规率", "群众满意度（%）")
    assert not no_unit & _rows(book, 0, "value", "资产使用者满意度", "设备购置类项目持续使用时间（年")


def test_seed_has_no_structure_or_satisfaction_alarm(seed: tuple[BudgetBook, list[Finding]]) -> None:
    _, found = seed
    codes = {f.code for f in found}
    assert not codes & {"I001", "I002", "I003", "I004", "I005", "I009", "I010", "I013", "I017"}
