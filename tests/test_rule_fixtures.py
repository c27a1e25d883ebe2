"""YAML rule fixtures: one file per code under tests/fixtures/rules/, one test per case.

Each case is written to a real .xlsx by the template writer, read back by the real reader and
checked by every rule; the findings of the fixture's code must equal the case's ``findings``
(none when absent). Test ids are ``<CODE>.<case>``, e.g. ``B002.fail_other_missing``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rulekit import match_findings, run_case

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def load_fixture(path: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """(rule code, {case name: case}) of one fixture file; checks its shape."""
    data = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict) or set(data) != {"rule", "cases"}:
        raise ValueError(f"{path.name}: top level must have exactly the keys 'rule' and 'cases'")
    code = str(data["rule"])
    if code != path.stem:
        raise ValueError(f"{path.name}: rule {code!r} does not match the file name")
    cases = data["cases"]
    if not isinstance(cases, dict) or not cases:
        raise ValueError(f"{path.name}: 'cases' must be a non-empty mapping")
    return code, {name: case or {} for name, case in cases.items()}


def fixture_cases() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path in sorted(FIXTURES.glob("*.yml")):
        code, cases = load_fixture(path)
        out.extend((code, name, case) for name, case in cases.items())
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rule_case" in metafunc.fixturenames:
        cases = fixture_cases()
        metafunc.parametrize("rule_case", [(code, case) for code, _, case in cases],
                             ids=[f"{code}.{name}" for code, name, _ in cases])


def test_rule_case(rule_case: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    code, case = rule_case
    found = [f for f in run_case(case, tmp_path) if f.code == code]
    for f in found:
        assert f.message and not re.search(r"\{[a-z_]+\}", f.message), f"unformatted message: {f.message}"
    problem = match_findings(case.get("findings") or [], found)
    assert problem is None, problem


def test_every_fixture_file_has_pass_and_fail_cases() -> None:
    for path in sorted(FIXTURES.glob("*.yml")):
        code, cases = load_fixture(path)
        if code == "F001":  # an unreadable file is not a case of a written workbook
            continue
        kinds = {"findings" in case and bool(case["findings"]) for case in cases.values()}
        assert kinds == {True, False}, f"{path.name} needs at least one passing and one failing case"
