"""Benchmark ``xl-budget consolidate`` against a pandas/openpyxl read of the same files.

    python benchmarks/consolidate.py                          # 300 units × 8 projects
    python benchmarks/consolidate.py --units 3000 --skip-baseline   # the memory target

Generates N unit workbooks into benchmarks/_data/<N>x<P>/ (git-ignored, reused while the
generator version and parameters match), laid out the way staff really make them:

* 45 % written by the template writer (``xl_budget.template.write_book``);
* 35 % hand-made with openpyxl in the official layout: blocks shifted down and right, blank
  rows between blocks, 一级/二级 merged down, amounts and percentages typed as text
  ("12.50", "30%"), some without a 单位信息 sheet (the unit line names the unit);
* 15 % hand-made with every project table stacked on one sheet;
* 5 % trouble: resubmissions of a unit (X002), a project code copied from another unit
  (X001), and unreadable files (corrupt zip, a text file renamed, an empty file).

Then it times ``consolidate`` (as the command, in a child process, so start-up counts) and a
baseline that only reads the same files with ``pandas.read_excel(sheet_name=None,
engine="openpyxl")`` in this process, and prints the ratio. Peak memory comes from
``resource.getrusage``: ``RUSAGE_SELF`` of the consolidating process plus ``RUSAGE_CHILDREN``
(its largest worker) times the number of workers, an upper bound of the simultaneous peak.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from xl_budget.model import (  # noqa: E402
    Budget,
    BudgetBook,
    Department,
    DepartmentTarget,
    Indicator,
    Project,
    Schedule,
    Unit,
)
from xl_budget.values import parse_value  # noqa: E402

GENERATOR_VERSION = 3
REGION, YEAR = "130821", 2023
_CHECK = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# ------------------------------------------------------------------ catalogue
DEPARTMENTS = ("农业农村局", "卫生健康局", "教育和体育局", "文化广电和旅游局", "科学技术协会", "民政局",
               "人力资源和社会保障局", "自然资源和规划局", "住房和城乡建设局", "交通运输局", "水务局",
               "林业和草原局", "市场监督管理局", "应急管理局", "财政局", "审计局", "统计局", "司法局",
               "退役军人事务局", "医疗保障局", "第一中学", "第二中学", "实验小学", "职业技术教育中心",
               "人民医院", "中医院", "疾病预防控制中心", "妇幼保健院", "图书馆", "文化馆")
TOWNS = ("下板城镇", "上谷镇", "新杖子镇", "头沟镇", "高寺台镇", "鞍匠镇", "三沟镇", "东小白旗乡",
         "刘杖子乡", "六沟镇", "两家满族乡", "磴上乡", "岗子满族乡", "孟家院乡", "八家乡", "五道河乡")
PROJECTS = (
    ("办公设备购置", "购置计算机、打印机等办公设备", (3, 40)),
    ("业务培训经费", "举办业务培训的场地、资料及授课费用", (2, 30)),
    ("基础设施维修改造", "办公及业务用房维修改造", (20, 300)),
    ("专项补助资金", "按标准向补助对象发放补助", (10, 500)),
    ("宣传推广经费", "制作宣传材料、开展宣传活动", (1, 20)),
    ("信息化系统运维", "业务信息系统运行维护服务", (5, 80)),
    ("公共服务购买", "向社会力量购买公共服务", (10, 200)),
    ("专项工作经费", "开展专项检查、调研和督导工作", (2, 50)),
    ("设备购置及更新", "更新业务专用设备", (10, 150)),
    ("民生实事项目", "实施年度民生实事", (50, 800)),
)
INDICATORS = (
    ("产出指标", "数量指标", "{x}数量", "年内完成的{x}数量", ["≥{n}个", "={n}次", "{n}", "不少于{n}人次"]),
    ("产出指标", "数量指标", "覆盖人数", "项目惠及的群众人数", ["≥{n}人", "{n}人次"]),
    ("产出指标", "质量指标", "验收合格率", "经验收合格的比例", ["=100%", "≥95%", "≥100", "100%"]),
    ("产出指标", "质量指标", "资金使用合规率", "按规定使用资金的比例", ["=100%", "100%"]),
    ("产出指标", "时效指标", "按期完成率", "按计划时间完成的比例", ["=100%", "≥90%", "2023年12月底前"]),
    ("产出指标", "时效指标", "资金支付及时率", "按期支付资金的比例", ["=100%", "≤{cost}"]),
    ("产出指标", "成本指标", "项目总成本", "项目全年支出", ["≤{cost}万元", "≤{cost}"]),
    ("产出指标", "成本指标", "单位成本", "每单位产出的平均支出", ["≤{n}元/人", "≤{n}00元"]),
    ("效益指标", "社会效益指标", "群众知晓率", "群众对政策的知晓程度", ["≥85%", "≥90%", "明显提升"]),
    ("效益指标", "社会效益指标", "服务水平", "公共服务水平的变化", ["明显提升", "有所提升", "提升"]),
    ("效益指标", "经济效益指标", "带动增收", "带动群众增收金额", ["≥{n}万元", "≥{n}"]),
    ("效益指标", "可持续影响指标", "持续使用年限", "设施设备可持续使用年限", ["≥5年", "≥10年", "≤10"]),
    ("效益指标", "生态效益指标", "环境改善", "项目对环境的改善", ["明显改善", "好"]),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "受益群众对项目的满意程度", ["≥90%", "≥85%", "≥80", "≥95%"]),
)
BASES = ("计划标准", "历史标准", "行业标准", "预算支出标准", "年初工作计划", None)
PLANS = ((30, 60, 85, 100), (25, 50, 85, 100), (20, 45, 80, 100), (35, 65, 90, 100), (None, None, 100, None),
         (10, 40, 70, 100), (30, 60, 85, None))


def project_code(serial: int, kind: int, seq: int) -> str:
    body = f"{REGION}{YEAR % 100:02d}P{serial:05d}{kind:02d}{seq:04d}"
    total = sum(int(ch) * (3, 7, 9, 10, 5, 8, 4, 2, 1, 6)[i % 10] for i, ch in enumerate(c for c in body if c.isdigit()))
    return body + _CHECK[total % len(_CHECK)]


def make_book(rng: random.Random, i: int, n_projects: int) -> BudgetBook:
    """A realistic unit: 8 projects of 9–14 indicators each, with the usual slips."""
    dept = DEPARTMENTS[i % len(DEPARTMENTS)]
    name = f"河北省承德县{TOWNS[i // len(DEPARTMENTS) % len(TOWNS)] if i >= len(DEPARTMENTS) else ''}{dept}"
    unit = Unit(code=f"{700001 + i}", name=name, county="承德县", year=YEAR, preparer="张三",
                phone="0314-3112233", filled_on=dt.date(2022, 12, rng.randint(1, 28)))
    projects = [make_project(rng, i, k) for k in range(n_projects)]
    dep = Department(overall=f"{name}全面履行部门职责，提升公共服务水平。" * 3,
                     targets=[DepartmentTarget(title="重点工作", goal="完成年度重点工作任务",
                                               indicators="完成率100%")],
                     measures=["完善制度建设", "加强支出管理", "强化绩效监控"])
    return BudgetBook(unit=unit, department=dep, projects=projects)


def make_project(rng: random.Random, unit_i: int, k: int) -> Project:
    title, use, (low, high) = PROJECTS[(unit_i + k) % len(PROJECTS)]
    total = Decimal(rng.randint(low * 100, high * 100)) / 100
    other = (total * Decimal("0.2")).quantize(Decimal("0.01")) if rng.random() < 0.3 else None
    plan = [None if v is None else Decimal(v) for v in rng.choice(PLANS)]
    rows = rng.sample(INDICATORS, rng.randint(9, 14))
    rows.sort(key=INDICATORS.index)
    indicators = []
    for level1, level2, nm, desc, values in rows:
        x = title[:2]
        raw = rng.choice(values).format(n=rng.randint(2, 60), cost=total)
        indicators.append(Indicator(level1=level1, level2=level2, name=nm.format(x=x),
                                    description=desc.format(x=x) if rng.random() < 0.8 else nm.format(x=x),
                                    value=parse_value(raw), basis=rng.choice(BASES)))
    return Project(code=project_code(unit_i + 1, 10 + k, rng.randint(1, 9)), name=f"{title}（{k + 1}）",
                   budget=Budget(total=total, fiscal=total - (other or 0), other=other), use=use,
                   schedule=Schedule(mar=plan[0], jun=plan[1], oct=plan[2], dec=plan[3]),
                   goals=[f"完成{title}年度任务", "提高资金使用效益"], indicators=indicators)


# ------------------------------------------------------------------ hand-made layouts (openpyxl)
def _as_typed(rng: random.Random, value: Decimal | None, percent: bool = False) -> Any:
    # Staff type numbers as numbers, as text ("12.50"), or percentages with a sign ("30%").
    if value is None:
        return None
    roll = rng.random()
    if roll < 0.25:
        return f"{value}%" if percent else f"{value:.2f}"
    return float(value)


def _project_block(ws: Any, rng: random.Random, book: BudgetBook, p: Project, top: int, left: int) -> int:
    """Write one project table at (top, left) 1-based; returns the next free row."""
    from openpyxl.utils import get_column_letter as L

    def put(r: int, c: int, v: Any) -> None:
        cell = ws.cell(row=r, column=left + c, value=v)
        if isinstance(v, str) and v.startswith("="):
            cell.data_type = "s"  # "=100%" typed as text, not an openpyxl formula without a value

    def merge(r0: int, c0: int, r1: int, c1: int) -> None:
        ws.merge_cells(f"{L(left + c0)}{r0}:{L(left + c1)}{r1}")

    r = top
    put(r, 0, f"{p.name}绩效目标表")
    merge(r, 0, r, 6)
    r += 1
    put(r, 0, f"{book.unit.code} {book.unit.name}")
    put(r, 5, "单位：万元")
    r += 1 + (rng.random() < 0.3)  # sometimes a blank row
    put(r, 0, "项目编码")
    put(r, 1, p.code)
    merge(r, 1, r, 2)
    put(r, 3, "项目名称")
    put(r, 4, p.name)
    merge(r, 4, r, 6)
    r += 1
    put(r, 0, "预算规模及资金用途")
    merge(r, 0, r + 1, 0)
    for c, (label, value) in enumerate((("预算数", p.budget.total), ("其中：财政资金", p.budget.fiscal),
                                        ("其他资金", p.budget.other))):
        put(r, 1 + 2 * c, label)
        put(r, 2 + 2 * c, _as_typed(rng, value))
    put(r + 1, 1, p.use)
    merge(r + 1, 1, r + 1, 6)
    r += 2
    put(r, 0, "资金支出计划（%）")
    merge(r, 0, r + 1, 0)
    for c, (label, value) in enumerate(zip(("3月底", "6月底", "10月底", "12月底"), p.schedule.values(), strict=True)):
        put(r, 1 + c, label)
        put(r + 1, 1 + c, _as_typed(rng, value, percent=True))
    r += 2 + (rng.random() < 0.3)
    put(r, 0, "绩效目标")
    merge(r, 0, r + len(p.goals) - 1, 0)
    for g, goal in enumerate(p.goals):
        put(r + g, 1, f"目标内容{g + 1}：{goal}")
        merge(r + g, 1, r + g, 6)
    r += len(p.goals) + (rng.random() < 0.3)
    for c, head in enumerate(("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据")):
        put(r, c, head)
    merge(r, 5, r, 6)
    r += 1
    first = r
    prev: tuple[str | None, str | None] = (None, None)
    run_start = {0: r, 1: r}
    for ind in p.indicators:
        if ind.level1 != prev[0]:
            if r - run_start[0] > 1:
                merge(run_start[0], 0, r - 1, 0)
            run_start[0] = r
            put(r, 0, ind.level1)
        if (ind.level1, ind.level2) != prev:
            if r - run_start[1] > 1:
                merge(run_start[1], 1, r - 1, 1)
            run_start[1] = r
            put(r, 1, ind.level2)
        prev = (ind.level1, ind.level2)
        put(r, 2, ind.name)
        put(r, 3, ind.description)
        put(r, 4, ind.value.raw if ind.value else None)
        put(r, 5, ind.basis)
        merge(r, 5, r, 6)
        r += 1
    for c in (0, 1):
        if r - run_start[c] > 1 and run_start[c] >= first:
            merge(run_start[c], c, r - 1, c)
    return r


def _unit_sheet(ws: Any, book: BudgetBook) -> None:
    u = book.unit
    rows = (("单位编码", u.code), ("单位名称", u.name), ("所属县区", u.county), ("预算年度", u.year),
            ("填报人", u.preparer), ("联系电话", u.phone), ("填报日期", u.filled_on))
    ws.cell(row=1, column=1, value="单位信息")
    for i, (label, value) in enumerate(rows, start=2):
        ws.cell(row=i, column=1, value=label)
        ws.cell(row=i, column=2, value=value)


def write_by_hand(book: BudgetBook, path: Path, rng: random.Random, stacked: bool) -> None:
    """The official layout typed by hand with openpyxl: shifted, merged, numbers as text."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws0 = wb.active
    if rng.random() < 0.8:
        ws0.title = "单位信息"
        _unit_sheet(ws0, book)
    else:
        wb.remove(ws0)
    if stacked:
        ws = wb.create_sheet("项目绩效目标表")
        r = 1 + rng.randint(0, 2)
        for p in book.projects:
            r = _project_block(ws, rng, book, p, r, 1) + 2 + rng.randint(0, 2)
    else:
        for k, p in enumerate(book.projects, start=1):
            ws = wb.create_sheet(f"项目{k}" if rng.random() < 0.7 else p.name[:20])
            _project_block(ws, rng, book, p, 1 + rng.randint(0, 3), 1 + (rng.random() < 0.3))
    wb.save(path)


# ------------------------------------------------------------------ the data set
def _write_one(args: tuple[int, int, int, str]) -> str:
    from xl_budget.template import write_book

    i, n_projects, seed, folder = args
    rng = random.Random(seed * 100_003 + i)
    book = make_book(rng, i, n_projects)
    roll = rng.random()
    path = Path(folder) / f"{book.unit.code}_{book.unit.name[6:]}.xlsx"
    if roll < 0.01:
        path.write_bytes(b"PK\x03\x04" + os.urandom(2000))  # a broken download
    elif roll < 0.015:
        path.write_text("这不是工作簿", encoding="utf-8")
    elif roll < 0.02:
        path.write_bytes(b"")
    elif roll < 0.05:
        if i > 0:  # a project code copied from the previous unit (X001)
            book.projects[0].code = make_book(random.Random(seed * 100_003 + i - 1), i - 1, n_projects).projects[0].code
        write_book(book, path)
        if rng.random() < 0.5:  # and a resubmission (X002)
            book.unit.filled_on = dt.date(2023, 1, 5)
            write_book(book, path.with_name(path.stem + "_修改版.xlsx"))
    elif roll < 0.50:
        write_book(book, path)
    elif roll < 0.85:
        write_by_hand(book, path, rng, stacked=False)
    else:
        write_by_hand(book, path, rng, stacked=True)
    return path.name


def generate(n_units: int, n_projects: int, seed: int, jobs: int) -> Path:
    """The data folder for these parameters, generated once and reused."""
    folder = HERE / "_data" / f"{n_units}x{n_projects}"
    manifest = folder / "manifest.json"
    want = {"version": GENERATOR_VERSION, "units": n_units, "projects": n_projects, "seed": seed}
    if manifest.is_file() and json.loads(manifest.read_text()) == want:
        return folder / "in"
    inputs = folder / "in"
    if inputs.exists():
        for p in inputs.iterdir():
            p.unlink()
    inputs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_write_one, [(i, n_projects, seed, str(inputs)) for i in range(n_units)], chunksize=16))
    manifest.write_text(json.dumps(want))
    print(f"generated {n_units} units in {time.perf_counter() - t0:.1f} s → {inputs}", file=sys.stderr)
    return inputs


# ------------------------------------------------------------------ timing
def baseline(files: list[Path]) -> float:
    """Seconds to read every file with pandas.read_excel(sheet_name=None, engine="openpyxl")."""
    import warnings

    import pandas as pd

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in files:
            try:
                pd.read_excel(f, sheet_name=None, engine="openpyxl")
            except Exception:  # the unreadable ones: the baseline just skips them
                pass
    return time.perf_counter() - t0


def run_child(inputs: Path, out: Path, jobs: int) -> dict[str, Any]:
    """Run the command in a child process; its wall time and its rusage peaks (MB)."""
    code = (
        "import json,resource,sys,time\n"
        "t0=time.perf_counter()\n"
        "from xl_budget.consolidate import consolidate\n"
        f"r=consolidate([{str(inputs)!r}], {str(out)!r}, jobs={jobs})\n"
        "t1=time.perf_counter()\n"
        "mb=lambda who: resource.getrusage(who).ru_maxrss/1024\n"
        "print(json.dumps({'inside': t1-t0, 'files': r.files, 'projects': r.projects,"
        " 'self_mb': mb(resource.RUSAGE_SELF), 'worker_mb': mb(resource.RUSAGE_CHILDREN)}))\n"
    )
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["wall"] = wall
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=300, help="unit workbooks to generate (default 300)")
    ap.add_argument("--projects", type=int, default=8, help="projects per unit (default 8)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="consolidate --jobs")
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each side; the median is reported")
    ap.add_argument("--skip-baseline", action="store_true", help="time consolidate only (memory mode)")
    args = ap.parse_args(argv)

    inputs = generate(args.units, args.projects, args.seed, args.jobs)
    files = sorted(p for p in inputs.iterdir() if p.is_file())
    size = sum(p.stat().st_size for p in files)
    for f in files:  # warm the page cache for both sides
        f.read_bytes()
    out = inputs.parent / "county.xlsx"
    runs = sorted((run_child(inputs, out, args.jobs) for _ in range(args.repeat)), key=lambda d: d["wall"])
    run = runs[len(runs) // 2]
    peak = run["self_mb"] + args.jobs * run["worker_mb"]
    print(f"files: {len(files)} ({size / 1e6:.1f} MB), projects: {run['projects']}, jobs: {args.jobs}")
    print(f"consolidate: {run['wall']:.2f} s wall (command incl. start-up), {run['inside']:.2f} s inside; "
          f"output {out.stat().st_size / 1e6:.1f} MB")
    print(f"peak memory: parent {run['self_mb']:.0f} MB, largest worker {run['worker_mb']:.0f} MB, "
          f"bound parent + {args.jobs} × worker = {peak:.0f} MB (target < 500 MB)")
    if not args.skip_baseline:
        times = sorted(baseline(files) for _ in range(args.repeat))
        base = times[len(times) // 2]
        print(f"baseline pandas.read_excel(openpyxl), read only: {base:.2f} s")
        print(f"ratio: {base / run['wall']:.1f}× faster (target ≥ 10×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
