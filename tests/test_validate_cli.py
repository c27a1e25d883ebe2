"""``xl-budget validate`` / ``rules`` / ``rule`` per CONTRACT.md, the public API, and the
generated rule reference (docs/rules.md)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import xl_budget
from xl_budget import docs
from xl_budget.annotate import MARKS_SHEET, RESULTS_SHEET
from xl_budget.cli import app
from xl_budget.errors import InputError
from xl_budget.model import Budget, BudgetBook, Indicator, Project, Schedule, Unit
from xl_budget.rules import get_rules
from xl_budget.template import write_book
from xl_budget.values import parse_value

D = Decimal
LINE = re.compile(r"^(?P<file>[^:]+):(?P<where>[^:]*): (?P<code>[A-Z]\d{3}) (?P<sev>error|warning|info) \S")


def _book(total: str = "4.86", basis: str | None = "年初工作计划") -> BudgetBook:
    indicators = [
        Indicator(level1="产出指标", level2=l2, name=name, description=desc, value=parse_value(v),
                  basis=basis)
        for l2, name, desc, v in [
            ("数量指标", "培训次数", "全年举办科普培训的场次", "≥4次"),
            ("质量指标", "培训合格率", "参训人员考核合格的比例", "≥95%"),
            ("时效指标", "培训完成时间", "全年培训完成的时限", "≤12月"),
            ("成本指标", "培训成本", "全年培训支出总额", "≤4.86万元"),
        ]
    ] + [
        Indicator(level1="效益指标", level2="社会效益指标", name="群众科学素质提升",
                  description="参训群众科学素质的变化", value=parse_value("明显提升"), basis=basis),
        Indicator(level1="满意度指标", level2="服务对象满意度指标", name="参训群众满意度",
                  description="参训群众对培训的满意程度", value=parse_value("≥90%"), basis=basis),
    ]
    project = Project(code="13082123P00019310001H", name="科协科普工作经费",
                      budget=Budget(total=D(total), fiscal=D("4.86")), use="举办培训的场地材料费",
                      schedule=Schedule(mar=D(30), jun=D(60), oct=D(85), dec=D(100)),
                      goals=["科技周、科普日活动"], indicators=indicators)
    return BudgetBook(unit=Unit(code="731001", name="河北省承德县科学技术协会本级", county="承德县",
                                year=2023), projects=[project])


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """good: passes the F rules; mismatch: 预算数 ≠ 财政资金 (B002); nobasis: empty 依据 (I014
    warnings only); bad: not a workbook (F001)."""
    folder = tmp_path_factory.mktemp("books")
    out = {"good": folder / "a_good.xlsx", "mismatch": folder / "b_mismatch.xlsx",
           "nobasis": folder / "c_nobasis.xlsx", "bad": folder / "d_bad.xlsx"}
    write_book(_book(), out["good"])
    write_book(_book(total="5.00"), out["mismatch"])
    write_book(_book(basis=None), out["nobasis"])
    out["bad"].write_bytes(b"this is not a spreadsheet\n")
    return out


@pytest.fixture()
def inbox(books: dict[str, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in books.values():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "~$a_good.xlsx").write_bytes(b"lock")   # Excel's lock file: skipped
    (folder / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    return folder


def run(*args: str | Path) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _look(path: Path) -> dict[str, dict[str, tuple]]:
    """Per sheet and cell: value, fill colour, comment text."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: (c.value, c.fill.fgColor.rgb, c.comment and c.comment.text)
                       for row in ws.iter_rows() for c in row}
            for ws in wb.worksheets}


# ------------------------------------------------------------------ formats and exit status
def test_text_format_one_line_a_finding_and_summary_on_stderr(books: dict[str, Path]) -> None:
    result = run("validate", books["mismatch"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    b002 = [line for line in lines if " B002 error " in line]
    assert b002 and b002[0].startswith("b_mismatch.xlsx:项目1!C4: B002 error ")
    assert "共校验 1 个文件" in result.stderr and "错误" in result.stderr
    assert "共校验" not in result.stdout


def test_json_format_is_the_report(books: dict[str, Path]) -> None:
    result = run("validate", "--format", "json", books["bad"], books["mismatch"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(Path(f["file"]).name, f["status"]) for f in data["files"]] == [
        ("d_bad.xlsx", "unreadable"), ("b_mismatch.xlsx", "errors")]
    f001 = next(f for f in data["findings"] if f["code"] == "F001")
    assert f001["file"] == "d_bad.xlsx" and f001["severity"] == "error" and f001["message"]
    assert set(f001) == {"file", "sheet", "cell", "project", "code", "severity", "message"}
    assert result.stderr == ""


def test_exit_0_without_errors_even_with_warnings(books: dict[str, Path]) -> None:
    clean = run("validate", "--select", "F", books["good"])
    assert clean.exit_code == 0 and clean.stdout == ""
    warned = run("validate", "--select", "I014", books["nobasis"])
    assert warned.exit_code == 0
    assert warned.stdout.count(" I014 warning ") == len(_book().projects[0].indicators)


def test_unreadable_file_is_f001_with_exit_1(books: dict[str, Path]) -> None:
    result = run("validate", "--select", "B002", books["bad"])
    assert result.exit_code == 1
    assert result.stdout.startswith("d_bad.xlsx: F001 error ")


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "不存在.xlsx"], "找不到文件或文件夹"),
    (["validate", "冀财教[2022]166号.xlsx"], "冀财教[2022]166号.xlsx"),  # no rich markup
    (["validate", "--format", "xml", "{good}"], "--format"),
    (["validate", "--annotate", "o.xlsx", "--in-place", "{good}"], "不能同时使用"),
    (["validate", "--annotate", "{tmp}/o.xlsx", "{good}", "{mismatch}"], "必须是已存在的文件夹"),
    (["validate", "--annotate", "{tmp}/o.xlsm", "{good}"], "扩展名"),
    (["validate", "--select", "Z999", "{good}"], "没有这样的规则"),
    (["validate", "--profile", "没有这个配置", "{good}"], "规则配置"),
    (["rule", "Q123"], "没有规则"),
])
def test_bad_arguments_exit_2_with_chinese_message(books: dict[str, Path], tmp_path: Path,
                                                   args: list[str], message: str) -> None:
    fields = {"good": books["good"], "mismatch": books["mismatch"], "tmp": tmp_path}
    result = run(*(a.format(**fields) for a in args))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_directory_means_its_workbooks_sorted(inbox: Path) -> None:
    result = run("validate", "--format", "json", inbox)
    assert result.exit_code == 1
    files = [Path(f["file"]).name for f in json.loads(result.stdout)["files"]]
    assert files == ["a_good.xlsx", "b_mismatch.xlsx", "c_nobasis.xlsx", "d_bad.xlsx"]


def test_select_keeps_f001_and_the_chosen_rules(inbox: Path) -> None:
    data = json.loads(run("validate", "--format", "json", "--select", "budget", inbox).stdout)
    codes = {f["code"] for f in data["findings"]}
    assert codes == {"B002", "F001"}


# ------------------------------------------------------------------ annotation
def test_annotate_one_file_leaves_the_source_alone(books: dict[str, Path], tmp_path: Path) -> None:
    src = books["mismatch"]
    before = _sha(src)
    out = tmp_path / "标注.xlsx"
    result = run("validate", "--annotate", out, src)
    assert result.exit_code == 1
    assert _sha(src) == before
    assert f"{out}" in result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-2:] == [RESULTS_SHEET, MARKS_SHEET]
    rows = list(wb[RESULTS_SHEET].iter_rows(min_row=7, values_only=True))
    assert ("b_mismatch.xlsx", "项目1", "C4") in [r[:3] for r in rows]


def test_annotate_many_into_a_folder(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = run("validate", "--annotate", out, inbox)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["a_good.xlsx", "b_mismatch.xlsx", "c_nobasis.xlsx"]
    assert "未标注" in result.stderr and "d_bad.xlsx" in result.stderr
    same = run("validate", "--annotate", inbox, inbox)
    assert same.exit_code == 2 and "覆盖原文件" in same.stderr


def test_in_place_marks_the_workbooks_and_is_stable(inbox: Path) -> None:
    target = inbox / "b_mismatch.xlsx"
    untouched = _sha(inbox / "d_bad.xlsx")
    before = json.loads(run("validate", "--format", "json", inbox).stdout)["findings"]
    assert run("validate", "--in-place", inbox).exit_code == 1
    first = _look(target)
    assert RESULTS_SHEET in first and first["项目1"]["C4"][1] != _look(inbox / "a_good.xlsx")["项目1"]["C4"][1]
    assert _sha(inbox / "d_bad.xlsx") == untouched
    again = run("validate", "--in-place", "--format", "json", inbox)
    assert again.exit_code == 1
    assert json.loads(again.stdout)["findings"] == before  # our marks are not read as data
    assert _look(target) == first


# ------------------------------------------------------------------ public API
def test_public_validate(books: dict[str, Path], inbox: Path) -> None:
    report = xl_budget.validate(books["mismatch"])
    assert not report.valid and report.pick("B002")
    assert len(xl_budget.validate([inbox], select="F").tasks) == 4
    with pytest.raises(InputError):
        xl_budget.validate(inbox / "nope.xlsx")


def _hand_made(path: Path, unit_sheet: list[list] | None, columns: int = 6) -> Path:
    """A hand-built workbook: one project table without a unit line, of the first ``columns``
    indicator columns, and ``unit_sheet`` as its 单位信息 sheet when given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目1"
    for row in [["办公设备购置绩效目标表"], ["项目编码", "13082123P00020010009T", None, "项目名称", "办公设备购置"],
                ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"][:columns],
                ["产出指标", "数量指标", "购买数量", "购买2台", "≥2台", "计划标准"][:columns],
                [None, "质量指标", "验收合格率", "验收合格的比例", "≥95%", "计划标准"][:columns]]:
        ws.append(row)
    if unit_sheet is not None:
        info = wb.create_sheet("单位信息", 0)
        for row in unit_sheet:
            info.append(row)
    wb.save(path)
    return path


def test_a_unit_found_nowhere_is_one_finding_that_says_where_to_write_it(tmp_path: Path) -> None:
    # It once pointed at 项目1!B2, the 项目编码, and said "请在此处填写 6 位单位编码".
    report = xl_budget.validate(_hand_made(tmp_path / "h.xlsx", None))
    [f003] = report.pick("F003")
    assert (f003.sheet, f003.cell) == (None, None)
    assert "单位信息" in f003.message and "标题下一行写明单位" in f003.message


def test_a_unit_sheet_without_a_label_names_the_label_not_a_cell(tmp_path: Path) -> None:
    report = xl_budget.validate(_hand_made(tmp_path / "h.xlsx", [["单位编码", "731001"], ["所属县区", "承德县"]]))
    [f003] = report.pick("F003")
    assert (f003.sheet, f003.cell, f003.field) == ("单位信息", None, "name")
    assert f003.message.startswith("“单位信息”表中找不到“单位名称”")


def test_a_table_without_the_basis_column_gets_one_i014_saying_to_add_it(tmp_path: Path) -> None:
    # An older five-column table: not one "依据为空" per row without a cell to fill.
    report = xl_budget.validate(_hand_made(tmp_path / "h.xlsx", None, columns=5))
    [i014] = report.pick("I014")
    assert (i014.sheet, i014.cell, i014.project) == ("项目1", None, "13082123P00020010009T")
    assert i014.message.startswith("指标表没有“指标值确定依据”列")
    assert not xl_budget.validate(_hand_made(tmp_path / "six.xlsx", None)).pick("I014")


def test_a_block_the_table_lacks_is_named_not_called_empty(tmp_path: Path) -> None:
    # No 绩效目标 and no 资金支出计划 block: there is no 目标内容1 to write after, nothing to fill.
    report = xl_budget.validate(_hand_made(tmp_path / "h.xlsx", None))
    [g001], [p005] = report.pick("G001"), report.pick("P005")
    assert (g001.sheet, g001.cell, p005.sheet, p005.cell) == ("项目1", None, "项目1", None)
    assert g001.message.startswith("项目表中没有“绩效目标”")
    assert p005.message.startswith("项目表中没有“资金支出计划（%）”") and "填充" not in p005.message


def test_a_budget_label_not_found_is_named_not_called_empty(tmp_path: Path) -> None:
    [b001] = xl_budget.validate(_hand_made(tmp_path / "h.xlsx", None)).pick("B001")
    assert (b001.sheet, b001.cell) == ("项目1", None)
    assert b001.message.startswith("项目表中找不到“预算数”")


def test_a_plan_block_without_checkpoints_is_told_at_the_block(tmp_path: Path) -> None:
    path = _hand_made(tmp_path / "h.xlsx", None)
    wb = openpyxl.load_workbook(path)
    ws = wb["项目1"]
    ws.insert_rows(3, 2)
    ws["A3"], ws["B3"], ws["C3"] = "资金支出计划（%）", "一季度", "二季度"
    ws["B4"], ws["C4"] = "30%", "60%"
    wb.save(path)
    [p005] = xl_budget.validate(path).pick("P005")
    assert (p005.sheet, p005.cell) == ("项目1", "A3")
    assert p005.message.startswith("“资金支出计划（%）”中找不到 3月底、6月底、10月底、12月底 四栏")


# ------------------------------------------------------------------ rules and the reference
def test_rules_lists_the_registry() -> None:
    result = run("rules")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == [r.code for r in get_rules()]
    b002 = next(r for r in rows if r[0] == "B002")
    assert b002[1] == "error" and b002[2] == "budget.total_mismatch" and b002[3]


def test_rule_prints_its_docstring() -> None:
    result = run("rule", "b002")
    assert result.exit_code == 0
    assert result.stdout.startswith("B002 · ")
    assert result.stdout.index("**Anti-pattern**") < result.stdout.index("**Best practice**")


def test_rules_reference_is_up_to_date() -> None:
    committed = docs.DOC_PATH.read_text(encoding="utf-8") if docs.DOC_PATH.exists() else ""
    assert committed == docs.render(), (
        f"{docs.DOC_PATH} does not match the rule registry: run `{docs.REGENERATE}` and commit it")


def test_reference_lists_every_rule() -> None:
    text = docs.render()
    for rule in get_rules():
        assert f'<a id="{rule.code.lower()}"></a>' in text
        assert f"| [{rule.code}](#{rule.code.lower()}) | {rule.severity.value} |" in text


# ------------------------------------------------------------------ the real program
def test_console_script_exit_status_without_traceback(books: dict[str, Path], tmp_path: Path) -> None:
    missing = subprocess.run([sys.executable, "-m", "xl_budget", "validate", str(tmp_path / "无.xlsx")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "找不到" in missing.stderr and "Traceback" not in missing.stderr
    bad = subprocess.run([sys.executable, "-m", "xl_budget", "validate", str(books["bad"])],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and " F001 error " in bad.stdout and "Traceback" not in bad.stderr


# ------------------------------------------------------------------ batch collection thresholds
def test_a_batch_raises_the_collection_threshold_and_restores_the_callers(books: dict[str, Path],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from xl_budget import check

    seen: list[tuple[int, int, int]] = []
    real = check.check_file
    monkeypatch.setattr(check, "check_file", lambda *a, **k: (seen.append(gc.get_threshold()), real(*a, **k))[1])
    before = gc.get_threshold()
    xl_budget.validate([books["good"], books["bad"]])
    assert len(seen) == 2 and all(t[0] > before[0] for t in seen)
    assert gc.get_threshold() == before
