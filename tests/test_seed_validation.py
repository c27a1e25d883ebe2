"""The seed's workbook (承德县科学技术协会 2023): ``xl-budget validate --format json`` reports
every defect DOMAIN.md lists under "Defects inside the seed", each at its cell.

Expected cells come from the parsed model (``.cells``), not from row numbers, except the one
pinned address of table 4's 12月底 cell. A rule that is not registered yet skips its test
with that reason; a registered rule that misses a defect fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import pytest
from seed_expected import seed_path
from typer.testing import CliRunner

from xl_budget.cli import app
from xl_budget.model import BudgetBook, Indicator, Project
from xl_budget.parse import read_book
from xl_budget.rules import rule_by_code
from xl_budget.text import clean_label, label_key
from xl_budget.values import implied_unit

SEED = seed_path()  # the seed document, copied into docs/seed/
WORKBOOK = "承德县科学技术协会_2023.xlsx"
Where = tuple[str, str]  # (sheet, cell)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[BudgetBook, list[dict]]:
    """The seed imported and written as the standard workbook, its model and its findings."""
    if not SEED.exists():
        pytest.skip(f"seed text not found at {SEED} (shared/ must sit beside the clone)")
    from xl_budget.importer import import_text
    from xl_budget.template import write_book

    path = tmp_path_factory.mktemp("seed") / WORKBOOK
    write_book(import_text(SEED), path)
    result = CliRunner().invoke(app, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1, result.output  # the seed has errors (P003, I011)
    report = json.loads(result.stdout)
    assert report["files"][0]["status"] == "errors"
    return read_book(path), report["findings"]


def _need(code: str) -> None:
    if rule_by_code(code) is None:
        pytest.skip(f"rule {code} is not registered yet")


def _at(findings: list[dict], code: str) -> set[Where]:
    return {(f["sheet"], f["cell"]) for f in findings if f["code"] == code}


def _cells(project: Project, field: str, keep: Callable[[Indicator], bool] = lambda i: True) -> set[Where]:
    return {(project.sheet, i.cell(field)) for i in project.indicators if keep(i)}


def _union(sets: Iterable[set[Where]]) -> set[Where]:
    return set().union(*sets)


def _named(*fragments: str) -> Callable[[Indicator], bool]:
    return lambda i: any(f in (clean_label(i.name) or "") for f in fragments)


def _table(book: BudgetBook, n: int) -> Project:
    return book.projects[n - 1]


def test_the_seed_is_read_as_four_tables(seed: tuple[BudgetBook, list[dict]]) -> None:
    book, findings = seed
    assert [p.code for p in book.projects] == ["13082123P00020010002T", "13082123P00019310001H",
                                               "13082123P00019610001J", "13082123P00028810001E"]
    assert {f["file"] for f in findings} == {WORKBOOK}
    assert {f["project"] for f in findings if f["sheet"] in {p.sheet for p in book.projects}} <= \
        {p.code for p in book.projects}


def test_p003_table4_has_no_year_end(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("P003")
    book, findings = seed
    table4 = _table(book, 4)
    assert table4.schedule.cell("dec") == "F7"  # pins the template layout
    assert _at(findings, "P003") == {(table4.sheet, "F7")}


def test_i014_every_basis_of_tables_3_and_4(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I014")
    book, findings = seed
    expected = _cells(_table(book, 3), "basis") | _cells(_table(book, 4), "basis")
    assert len(expected) == 18
    assert _at(findings, "I014") == expected


def test_i011_timeliness_holding_the_budget(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I011")
    book, findings = seed
    expected = _union(_cells(_table(book, n), "value", _named("支付时效", "按期完成资金支付"))
                      for n in (2, 3, 4))
    assert len(expected) == 6
    assert expected <= _at(findings, "I011")
    errors = {(f["sheet"], f["cell"]) for f in findings if f["code"] == "I011"
              and f["severity"] == "error"}
    assert expected <= errors


def test_i007_at_least_100_on_rates(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I007")
    book, findings = seed
    expected = _cells(_table(book, 1), "value", _named("合格率"))
    assert len(expected) == 2
    assert expected <= _at(findings, "I007")


def test_i008_number_on_a_state(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I008")
    book, findings = seed
    expected = _cells(_table(book, 1), "value", _named("设备性能良好"))
    assert len(expected) == 1 and expected <= _at(findings, "I008")


def test_i012_service_life_capped(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I012")
    book, findings = seed
    expected = _cells(_table(book, 1), "value", _named("持续使用时间"))
    assert len(expected) == 1 and expected <= _at(findings, "I012")


def test_i016_placeholder_name(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I016")
    book, findings = seed
    expected = _cells(_table(book, 1), "name", lambda i: i.name == i.level2 == "经济效益指标")
    assert len(expected) == 1
    assert _at(findings, "I016") == expected


def test_i015_description_repeats_name_everywhere(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I015")
    book, findings = seed
    found = _at(findings, "I015")
    exact = _union(_cells(p, "description", lambda i: clean_label(i.description) == clean_label(i.name))
                   for p in book.projects)
    near = _union(_cells(p, "description", lambda i: label_key(i.description).rstrip(")")
                         == label_key(i.name).rstrip(")")) for p in book.projects)
    assert exact <= found <= near
    assert all(any(s == p.sheet for s, _ in found) for p in book.projects)
    paid = _union(_cells(p, "description", _named("支付时效")) for p in book.projects)
    assert not paid & found  # "资金按时支出" is a real description


def test_i006_most_values_lack_a_unit(seed: tuple[BudgetBook, list[dict]]) -> None:
    _need("I006")
    book, findings = seed

    def unitless(i: Indicator) -> bool:
        v = i.value
        return v is not None and v.kind == "quantity" and not v.unit and not implied_unit(i.name)

    candidates = _union(_cells(p, "value", unitless) for p in book.projects)
    counts = _union(_cells(p, "value", lambda i: i.level2 == "数量指标") for p in book.projects)
    service = _union(_cells(p, "value", _named("服务水平")) for p in book.projects)
    found = _at(findings, "I006")
    assert counts | service <= found <= candidates
    assert len(found) * 2 > len(candidates), f"I006 on {len(found)} of {len(candidates)} unitless values"
    # The rest carry a more specific finding on the same value (a number on a state, money as
    # a deadline), so every unitless value is marked.
    specific = _union(_at(findings, code) for code in ("I007", "I008", "I011", "I012"))
    assert candidates <= found | specific


def test_every_seed_finding_points_at_a_cell(seed: tuple[BudgetBook, list[dict]]) -> None:
    book, findings = seed
    sheets = {p.sheet for p in book.projects}
    for f in findings:
        if f["code"].startswith(("P", "I")):
            assert f["sheet"] in sheets and f["cell"], f
