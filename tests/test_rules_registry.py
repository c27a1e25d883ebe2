"""The rule registry documents itself: codes, names, docstrings and fixtures are checked here,
and the correct base projects of the fixture harness pass every registered rule."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rulekit import BASE_PROJECT, CORRECT_BY_KIND, read_case, run_case

from xl_budget.check import check_book
from xl_budget.findings import Severity
from xl_budget.model import CHECKPOINTS, Budget, BudgetBook, Indicator, Project, Schedule, Unit
from xl_budget.profile import load_profile
from xl_budget.rules import get_rules, rule_by_code
from xl_budget.rules.base import BaseRule
from xl_budget.values import parse_value

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CODE = re.compile(r"^[FCBPGIDX]\d{3}$")
NAME = re.compile(r"^[a-z]+(?:\.[a-z0-9_]+)+$")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

# The rule catalogue of DOMAIN.md: code → default severity letter (E error, W warning, I info).
# I007 and I009 may raise their severity per finding; the letter is the catalogue's first.
CATALOGUE: dict[str, str] = {
    "F001": "E", "F002": "E", "F003": "E",
    "C001": "E", "C002": "E", "C003": "W", "C004": "E", "C005": "E",
    "B001": "E", "B002": "E", "B003": "E", "B004": "W",
    "P001": "E", "P002": "E", "P003": "E", "P004": "W", "P005": "E",
    "G001": "E",
    "I001": "E", "I002": "E", "I003": "E", "I004": "E", "I005": "E", "I006": "W", "I007": "E",
    "I008": "W", "I009": "W", "I010": "E", "I011": "E", "I012": "W", "I013": "W", "I014": "W",
    "I015": "I", "I016": "W", "I017": "E",
    "D001": "W", "D002": "E",
    "X001": "E", "X002": "W", "X003": "W",
}  # fmt: skip
RULES = get_rules()


def rule_id(rule: type[BaseRule]) -> str:
    return rule.code


def test_registry_is_not_empty_and_codes_are_unique() -> None:
    codes = [r.code for r in RULES]
    assert codes, "no rules registered"
    assert len(codes) == len(set(codes)), f"duplicate codes: {sorted(c for c in codes if codes.count(c) > 1)}"


def test_names_are_dotted_and_unique() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)), f"duplicate names: {sorted(n for n in names if names.count(n) > 1)}"


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_code_is_in_the_catalogue_with_its_severity(rule: type[BaseRule]) -> None:
    assert CODE.match(rule.code)
    assert rule.code in CATALOGUE, f"{rule.code} is not a code of the DOMAIN.md catalogue"
    assert rule.severity == Severity.from_letter(CATALOGUE[rule.code])
    assert rule_by_code(rule.code.lower()) is rule


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_name_and_groups(rule: type[BaseRule]) -> None:
    assert NAME.match(rule.name), f"{rule.code}: name {rule.name!r} is not dotted lower case"
    family = rule.name.split(".")[0]
    assert "all" in rule.groups and family in rule.groups, f"{rule.code}: groups {rule.groups} lack 'all'/{family!r}"


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_docstring_has_summary_then_anti_pattern_then_best_practice(rule: type[BaseRule]) -> None:
    doc = rule.__doc__ or ""
    summary = rule.summary()
    assert summary and not summary.startswith("**") and summary.endswith("."), f"{rule.code}: summary {summary!r}"
    anti, best = doc.find("**Anti-pattern**"), doc.find("**Best practice**")
    assert anti > doc.find(summary), f"{rule.code}: no **Anti-pattern** after the summary"
    assert best > anti, f"{rule.code}: **Best practice** must follow **Anti-pattern**"


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_title_is_short_chinese(rule: type[BaseRule]) -> None:
    title = rule.__dict__.get("title")
    assert isinstance(title, str) and title == title.strip(), f"{rule.code}: no title of its own"
    assert CJK.search(title) and not LATIN.search(title), f"{rule.code}: title is not Chinese: {title!r}"
    assert 2 <= len(title) <= 24 and not title.endswith(("。", ".")), f"{rule.code}: title {title!r}"


def test_titles_are_unique() -> None:
    titles = [r.title for r in RULES]
    assert len(titles) == len(set(titles)), f"duplicate titles: {sorted(t for t in titles if titles.count(t) > 1)}"


def test_a_rule_without_a_title_is_refused() -> None:
    with pytest.raises(TypeError, match="lacks title"):
        type("Rule_B999", (BaseRule,), {"__doc__": "Doc.", "name": "budget.x", "severity": Severity.error,
                                        "messages": {"default": "错"}})


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_messages_are_chinese(rule: type[BaseRule]) -> None:
    assert rule.messages, f"{rule.code}: no messages"
    for key, text in rule.messages.items():
        assert CJK.search(text), f"{rule.code}.{key}: message is not Chinese: {text!r}"


def test_every_registered_code_has_a_fixture_file() -> None:
    # Cross-unit rules (X) need several workbooks: tests/test_consolidate.py covers them.
    missing = [r.code for r in RULES if r.scope == "book" and not (FIXTURES / f"{r.code}.yml").is_file()]
    assert not missing, f"rules without tests/fixtures/rules/<CODE>.yml: {missing}"


def test_every_fixture_file_is_a_registered_code() -> None:
    registered = {r.code for r in RULES}
    orphans = sorted(p.stem for p in FIXTURES.glob("*.yml") if p.stem not in registered)
    assert not orphans, f"fixture files for unregistered codes: {orphans}"


def test_base_project_geometry_is_the_one_fixtures_name(tmp_path: Path) -> None:
    book = read_case({}, tmp_path)
    project = book.projects[0]
    assert (project.sheet, project.cell("code"), project.cell("name"), project.cell("use")) == ("项目1", "B3", "E3", "B5")
    assert project.budget.cells == {"total": "C4", "fiscal": "E4", "other": "G4"}
    assert [project.schedule.cell(k) for k in CHECKPOINTS] == ["B7", "D7", "E7", "F7"]
    assert project.cell("goals") == "C9" and len(project.goals) == 3
    assert [i.cell("value") for i in project.indicators] == [f"E{r}" for r in range(13, 13 + len(BASE_PROJECT["指标"]))]
    assert (book.unit.cell("code"), book.unit.cell("stated_total")) == ("B2", "B12")
    assert (book.department.sheet, book.department.cell("overall")) == ("部门整体绩效目标", "A3")


@pytest.mark.parametrize("kind", list(CORRECT_BY_KIND))
def test_correct_project_passes_every_rule(kind: str, tmp_path: Path) -> None:
    found = run_case({"project": {"基础": kind}}, tmp_path)
    alarms = [f.line() for f in found if f.severity != Severity.info]
    assert not alarms, "\n".join(alarms)


def test_book_of_all_correct_projects_passes_every_rule(tmp_path: Path) -> None:
    found = run_case({"projects": [{} for _ in CORRECT_BY_KIND]}, tmp_path)
    alarms = [f.line() for f in found if f.severity != Severity.info]
    assert not alarms, "\n".join(alarms)


# ------------------------------------------------------------------ robustness (model only, no files)
_amount = st.one_of(st.none(), st.decimals(min_value=-10**6, max_value=10**6, places=4))
_percent = st.one_of(st.none(), st.decimals(min_value=-50, max_value=200, places=1))
_chars = st.characters(blacklist_characters="{}")  # so a "{name}" left in a message is the rule's
_text = st.one_of(st.none(), st.text(_chars, max_size=25))


@st.composite
def projects(draw: st.DrawFn) -> Project:
    budget = Budget(sheet="项目1", total=draw(_amount), fiscal=draw(_amount), other=draw(_amount))
    budget.cells = {"total": "C4", "fiscal": "E4", "other": "G4"}
    budget.invalid = draw(st.dictionaries(st.sampled_from(["total", "fiscal", "other"]), st.text(_chars, max_size=8)))
    schedule = Schedule(sheet="项目1", **{k: draw(_percent) for k in CHECKPOINTS})
    schedule.cells = dict(zip(CHECKPOINTS, ("B7", "D7", "E7", "F7"), strict=True))
    schedule.invalid = draw(st.dictionaries(st.sampled_from(CHECKPOINTS), st.text(_chars, max_size=8)))
    rows = draw(st.lists(st.tuples(_text, _text, _text, _text), max_size=4))
    indicators = [Indicator(sheet="项目1", level1=a, level2=b, name=c, value=parse_value(d)) for a, b, c, d in rows]
    return Project(sheet="项目1", code=draw(_text), name=draw(_text), use=draw(_text), budget=budget,
                   schedule=schedule, goals=draw(st.lists(st.text(_chars, max_size=10), max_size=3)), indicators=indicators)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(projects(), min_size=1, max_size=3), _amount, st.one_of(st.none(), st.integers(1990, 2100)))
def test_every_rule_survives_arbitrary_models(items: list[Project], stated: Decimal | None, year: int | None) -> None:
    unit = Unit(sheet="单位信息", code="731001", name="单位", county="承德县", year=year, stated_total=stated)
    book = BudgetBook(unit=unit, projects=items)
    found = check_book(book, load_profile())
    for f in found:
        assert f.message and not PLACEHOLDER.search(f.message), f.message
    for project in items:
        codes = {f.code for f in found if f.project == project.code and f.sheet == project.sheet}
        if project.schedule.is_blank and len(items) == 1:
            assert not codes & {"P001", "P002", "P003", "P004"}
