"""Tests of the 绩效文本 importer (xl_budget.importer) against the seed and small snippets."""

from __future__ import annotations

from decimal import Decimal

import pytest
import seed_expected as X

from xl_budget.importer import import_string, import_text
from xl_budget.model import BudgetBook


@pytest.fixture(scope="module")
def seed() -> BudgetBook:
    return import_text(X.seed_path())


# ------------------------------------------------------------------ the seed
def test_unit(seed: BudgetBook) -> None:
    u = seed.unit
    assert (u.code, u.name, u.year, u.county) == (X.UNIT["code"], X.UNIT["name"], X.UNIT["year"], X.UNIT["county"])
    assert seed.file is not None and seed.file.endswith(".txt")


def test_four_projects_in_order(seed: BudgetBook) -> None:
    assert [p.code for p in seed.projects] == [p["code"] for p in X.PROJECTS]


@pytest.mark.parametrize("i", range(4), ids=lambda i: f"table{i + 1}")
def test_project_head(seed: BudgetBook, i: int) -> None:
    got, want = seed.projects[i], X.PROJECTS[i]
    assert got.code == want["code"]
    assert got.name == want["name"]
    assert (got.budget.total, got.budget.fiscal, got.budget.other) == want["budget"]
    assert not got.budget.invalid
    assert got.use == want["use"]
    assert tuple(got.schedule.values()) == want["schedule"]
    assert not got.schedule.invalid
    assert got.goals == want["goals"]
    assert got.unit is not None and (got.unit.code, got.unit.name) == (X.UNIT["code"], X.UNIT["name"])


@pytest.mark.parametrize("i", range(4), ids=lambda i: f"table{i + 1}")
def test_project_indicators(seed: BudgetBook, i: int) -> None:
    got = [
        (ind.level1, ind.level2, ind.name, ind.description, ind.value.raw if ind.value else None, ind.basis)
        for ind in seed.projects[i].indicators
    ]
    assert got == X.PROJECTS[i]["indicators"]


def test_budget_amounts_compare_by_value(seed: BudgetBook) -> None:
    assert seed.projects[2].budget.total == Decimal(3)
    assert seed.projects[3].budget.fiscal == Decimal(6)


def test_table4_plan_stops_at_october(seed: BudgetBook) -> None:
    s = seed.projects[3].schedule
    assert (s.mar, s.jun, s.oct, s.dec) == (Decimal(30), Decimal(60), Decimal(85), None)


def test_table1_plan_is_october_only(seed: BudgetBook) -> None:
    s = seed.projects[0].schedule
    assert (s.mar, s.jun, s.oct, s.dec) == (None, None, Decimal(100), None)


def test_values_are_parsed(seed: BudgetBook) -> None:
    inds = seed.projects[0].indicators
    assert (inds[0].value.operator, inds[0].value.number) == (None, Decimal(1))
    assert (inds[5].value.operator, inds[5].value.number) == ("≤", Decimal("0.91"))
    assert (inds[1].value.operator, inds[1].value.number) == ("≥", Decimal(100))


def test_blank_level_cells_are_inherited(seed: BudgetBook) -> None:
    inds = seed.projects[0].indicators
    assert inds[0].inherited == (False, False)
    assert inds[1].inherited == (True, False)
    assert inds[6].inherited == (False, False)  # 效益指标 written again


def test_overall_text(seed: BudgetBook) -> None:
    overall = seed.department.overall
    assert overall.startswith(X.OVERALL_START)
    assert overall.endswith(X.OVERALL_END)
    lines = overall.split("\n")
    assert len(lines) == 10  # the intro and items 1–9
    assert [line[:2] for line in lines[1:]] == [f"{n}、" for n in range(1, 10)]
    # "…审查和管理工作。7、组织开展…" lost its line break in the PDF: split again.
    assert lines[6].endswith("登记注册前的审查和管理工作。")
    assert lines[7] == "7、组织开展县内外科技社团的联谊、联络、交流与合作工作。"
    assert "....." not in overall and "目 录" not in overall


def test_targets(seed: BudgetBook) -> None:
    targets = seed.department.targets
    assert [t.title for t in targets] == [t["title"] for t in X.TARGETS]
    for got, want in zip(targets, X.TARGETS, strict=True):
        assert got.goal.startswith(want["goal"])
        assert got.indicators.startswith(want["indicators"])
        assert not got.goal.startswith("绩效目标") and not got.indicators.startswith("绩效指标")


def test_target_text_joined_across_page_break(seed: BudgetBook) -> None:
    text = seed.department.targets[1].indicators
    assert "进村下乡，期间利用展板展出宣传图片，发放宣传资料" in text
    assert text.endswith("为全民素质的提高做出了积极贡献。")
    assert "\n" not in text


def test_measures(seed: BudgetBook) -> None:
    assert seed.department.measures == X.MEASURES


def test_import_cli(tmp_path, monkeypatch) -> None:
    template = pytest.importorskip("xl_budget.template")
    out = tmp_path / "seed.xlsx"
    calls = []
    monkeypatch.setattr(template, "write_book", lambda book, path: calls.append((book, path)))
    from typer.testing import CliRunner

    from xl_budget.cli import app

    result = CliRunner().invoke(app, ["import", str(X.seed_path()), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1 and len(calls[0][0].projects) == 4


# ------------------------------------------------------------------ snippets
HEAD = "2023 年部门预算绩效文本\n\n1. 测试项目绩效目标表\n\n731001 河北省承德县测试局\n\n单位：万元\n\n"
CODE_ROW = "项目编码\t13082123P00020010002T\t\t项目名称\t测试 项目\t\t\n"
BUDGET_ROW = "预算规模及 资金用途\t预算数\t8.00\t其中：财政 资金\t7.50\t其他资金\t0.50\n"
USE_ROW = "\t测试用途\t\t\t\t\t\n"
GOAL_ROW = "绩效目标\t1. 目标内容 1 甲 2. 目标内容 2 乙\t\t\t\t\t\n"
IND_HEAD = "一级指标\t二级指标\t三级指标\t绩效指标描述\t指标值\t指标值确定依据\t\n"
IND_ROWS = "产出指标\t数量指标\t培训次数\t培训次数\t≥4次\t计划标准\t\n\t质量指标\t合格 率\t合格率\t=100%\t\t\n"


def one_project(schedule: str = "资金支出计划（%）\t3月底\t\t6月底\t10月底\t12月底\t\n\t25%\t\t50%\t80%\t100%\t\n",
                *, head: str = HEAD, code: str = CODE_ROW, budget: str = BUDGET_ROW, use: str = USE_ROW,
                goals: str = GOAL_ROW, indicators: str = IND_HEAD + IND_ROWS):
    book = import_string(head + code + budget + use + schedule + goals + indicators)
    assert len(book.projects) == 1
    return book.projects[0]


def test_snippet_basic() -> None:
    p = one_project()
    assert (p.code, p.name, p.use) == ("13082123P00020010002T", "测试项目", "测试用途")
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (Decimal("8.00"), Decimal("7.50"), Decimal("0.50"))
    assert p.schedule.values() == [Decimal(25), Decimal(50), Decimal(80), Decimal(100)]
    assert p.goals == ["甲", "乙"]
    assert [(i.level1, i.level2, i.name, i.value.raw, i.basis) for i in p.indicators] == [
        ("产出指标", "数量指标", "培训次数", "≥4次", "计划标准"),
        ("产出指标", "质量指标", "合格率", "=100%", None),
    ]


@pytest.mark.parametrize(
    "schedule",
    [
        "资金支出计划（%）\t3月底\t\t6月底\t10月底\t12月底\t\n\t30%\t\t60%\t85%\t100%\t\n",
        "资金支出计划(%)\t3 月底\t\t6 月底\t10 月底\t12 月底\n\t30%\t\t60%\t85%\t100%\n",
        "资金支出计 划 (%)\t3月底\t6月底\t10月底\t12月底\t\t\t\n\t30\t60\t85\t100\t\t\n",
        "资金支出计划（％）\t3月底\t6月底\t10月底\t12月底\n\t３０％\t60%\t85%\t100%\n",
        # values beside their labels on one row
        "资金支出计划（%）\t3月底\t30%\t6月底\t60%\t10月底\t85%\t12月底\t100%\n",
        # a stray tab shifts the values: matched left to right
        "资金支出计划（%）\t3月底\t6月底\t10月底\t12月底\n\t\t30%\t60%\t85%\t100%\n",
    ],
    ids=["full-width", "half-width-spaced", "no-gaps", "full-width-digits", "inline", "shifted"],
)
def test_snippet_schedule_variants(schedule: str) -> None:
    assert one_project(schedule).schedule.values() == [Decimal(30), Decimal(60), Decimal(85), Decimal(100)]


def test_snippet_schedule_missing_december_is_not_invented() -> None:
    p = one_project("资金支出计划 (%)\t3 月底\t\t6 月底\t\t10 月底\t\n\t30%\t\t60%\t\t85%\t\n")
    assert p.schedule.values() == [Decimal(30), Decimal(60), Decimal(85), None]


def test_snippet_schedule_bad_value_recorded() -> None:
    p = one_project("资金支出计划（%）\t3月底\t6月底\t10月底\t12月底\n\t三成\t60%\t85%\t100%\n")
    assert p.schedule.mar is None and p.schedule.invalid == {"mar": "三成"}


def test_snippet_budget_variants() -> None:
    p = one_project(budget="预算规模及资金用途\t预算数\t8\t其中：财政资金\t8\t其他资金\t\n")
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (Decimal(8), Decimal(8), None)
    p = one_project(budget="预算规模及资金用途\t预算数\t2000万\t其中:财政资金\t1,200.50\t其他资金\t\n")
    assert p.budget.total is None and p.budget.invalid == {"total": "2000万"}
    assert p.budget.fiscal == Decimal("1200.50")


def test_snippet_leading_tabs_and_trailing_columns() -> None:
    p = one_project(
        code="\t项目编码\t13082123P00020010002T\t\t项目名称\t测试项目\t\t\t\t\n",
        indicators=IND_HEAD
        + "\t产出指标\t数量指标\t培训次数\t培训次数\t≥4\t\n"  # one stray leading tab, no 依据
        + "\t\t时效指标\t完成时间\t完成时间\t≤12月\t计划标准\t\t\t\n"  # one stray tab, 依据 filled
        + "\t成本指标\t成本\t成本\t≤8万元\t\n",  # a genuine blank 一级 (成本指标 is a 二级 here)
    )
    assert p.code == "13082123P00020010002T"
    assert [(i.level1, i.level2, i.name, i.value.raw, i.basis) for i in p.indicators] == [
        ("产出指标", "数量指标", "培训次数", "≥4", None),
        ("产出指标", "时效指标", "完成时间", "≤12月", "计划标准"),
        ("产出指标", "成本指标", "成本", "≤8万元", None),
    ]


def test_snippet_wrapped_names_and_brackets() -> None:
    p = one_project(indicators=IND_HEAD
                    + "效益指标\t可持续影响 指标\t设备购置类 项目持续使 用时间（年\t设备购置类项目持续使用 时间（年）\t≤10\t\t\n"
                    + "满意度指标\t服务对象满 意度指标\t群众满意度 (%)\t群众满意度 (%)\t≥95\t\t\n")
    assert [(i.level2, i.name, i.description) for i in p.indicators] == [
        ("可持续影响指标", "设备购置类项目持续使用时间（年", "设备购置类项目持续使用时间（年）"),
        ("服务对象满意度指标", "群众满意度(%)", "群众满意度(%)"),
    ]


def test_snippet_header_repeated_after_page_break() -> None:
    p = one_project(indicators=IND_HEAD + IND_ROWS + "\n" + IND_HEAD + "满意度指标\t服务对象满意度指标\t满意度\t满意度\t≥90%\t\t\n")
    assert [i.name for i in p.indicators] == ["培训次数", "合格率", "满意度"]


def test_snippet_goals() -> None:
    p = one_project(goals="绩效目标\t1. 目标内容 1 2023年完成培训 2. 目标内容 2 10 个展板\t\t\n")
    assert p.goals == ["2023年完成培训", "10个展板"]
    p = one_project(goals="绩效目标\t完成全年培训任务\t\t\n")
    assert p.goals == ["完成全年培训任务"]
    p = one_project(goals="绩效目标\t1. 目标内容 1 甲\t\t\n\t2. 目标内容 2 乙\t\t\n")
    assert p.goals == ["甲", "乙"]


def test_snippet_no_use_row() -> None:
    p = one_project(use="")
    assert p.use is None and p.schedule.dec == Decimal(100)


def test_snippet_unit_line_and_year() -> None:
    book = import_string(HEAD + CODE_ROW + BUDGET_ROW + USE_ROW + GOAL_ROW + IND_HEAD + IND_ROWS)
    assert (book.unit.code, book.unit.name, book.unit.year, book.unit.county) == (
        "731001", "河北省承德县测试局", 2023, "承德县")


def test_snippet_year_from_project_code_when_no_title() -> None:
    book = import_string(HEAD.replace("2023 年部门预算绩效文本", "") + CODE_ROW + BUDGET_ROW)
    assert book.unit.year == 2023


def test_snippet_department_text() -> None:
    text = (
        "目 录\n一、总体绩效目标.....\t2\n二、分项绩效目标.....\t3\n"
        "第一部分\n部门整体绩效目标\n一、总体绩效目标\n\n甲单位负责乙。\n\n1、做丙。2、做丁。\n"
        "二、分项绩效目标\n（一）培训\n绩效目标：1、完成培训。2、考核。\n绩效指标：培训达 10 万人次，期间利用展\n\n"
        "- 3 -\n\n板展出图片。\n（二）宣传\n绩效目标：宣传。\n"
        "三、工作保障措施\n1、完善制度。制定制度。\n\n2、加强监督。加强\n\n内部监督。3、做好自评。\n"
        "第二部分\n预算项目绩效目标\n"
    )
    d = import_string(text).department
    # "1、做丙。2、做丁。": item 2 lost its line break, as 6/7 in the seed.
    assert d.overall == "甲单位负责乙。\n1、做丙。\n2、做丁。"
    assert [(t.title, t.goal, t.indicators) for t in d.targets] == [
        ("培训", "1、完成培训。2、考核。", "培训达10万人次，期间利用展板展出图片。"),
        ("宣传", "宣传。", None),
    ]
    assert d.measures == ["完善制度。制定制度。", "加强监督。加强内部监督。", "做好自评。"]


def test_snippet_toc_without_leaders_makes_no_empty_projects() -> None:
    text = "1.测试项目绩效目标表\n2.另一项目绩效目标表\n\n" + HEAD + CODE_ROW + BUDGET_ROW
    book = import_string(text)
    assert [p.code for p in book.projects] == ["13082123P00020010002T"]


def test_snippet_crlf_and_gb18030(tmp_path) -> None:
    text = (HEAD + CODE_ROW + BUDGET_ROW + USE_ROW).replace("\n", "\r\n")
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gb18030"))
    book = import_text(path)
    assert book.projects[0].use == "测试用途"
    assert book.projects[0].budget.total == Decimal("8.00")
    assert book.file == str(path)


def test_empty_text() -> None:
    book = import_string("")
    assert book.projects == [] and book.department.is_empty and book.unit.code is None


def test_snippet_title_without_number_and_text_ending_in_dots() -> None:
    text = HEAD.replace("1. 测试项目绩效目标表", "测试项目绩效目标表") + CODE_ROW + BUDGET_ROW + "\t场地费等......\t\t\n"
    book = import_string(text)
    assert [p.code for p in book.projects] == ["13082123P00020010002T"]
    assert book.projects[0].use == "场地费等......"
