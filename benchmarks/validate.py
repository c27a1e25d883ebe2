"""Benchmark validation against merely reading the same workbooks with python-calamine.

    python benchmarks/validate.py              # 500 realistic unit workbooks × 8 projects
    python benchmarks/validate.py --units 100  # quicker

The workbooks come from the consolidation benchmark's generator (template-written, hand-made
in the official layout, stacked tables, a few broken files), generated once and reused.
Both sides run in this process, one after the other, on the same files; medians of --repeat.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consolidate import generate  # noqa: E402  (the shared generator of realistic workbooks)
from python_calamine import CalamineWorkbook  # noqa: E402

from xl_budget._gc import fewer_collections  # noqa: E402
from xl_budget.check import check_book  # noqa: E402
from xl_budget.errors import FileError  # noqa: E402
from xl_budget.grids import read_grids  # noqa: E402
from xl_budget.parse import parse_grids  # noqa: E402
from xl_budget.profile import load_profile  # noqa: E402


def read_only(files: list[Path]) -> float:
    """Seconds to load every sheet of every file with python-calamine, nothing else."""
    t0 = time.perf_counter()
    for path in files:
        try:
            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:  # broken files are part of a realistic folder
            pass
    return time.perf_counter() - t0


def validate_all(files: list[Path]) -> tuple[float, float, int]:
    """(seconds reading to grids, seconds parsing + checking, findings) for every file."""
    profile = load_profile()
    read = check = 0.0
    findings = 0
    for path in files:
        t0 = time.perf_counter()
        try:
            grids = read_grids(path)
        except FileError:
            read += time.perf_counter() - t0
            continue
        t1 = time.perf_counter()
        findings += len(check_book(parse_grids(grids, str(path)), profile))
        t2 = time.perf_counter()
        read, check = read + t1 - t0, check + t2 - t1
    return read, check, findings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--projects", type=int, default=8)
    ap.add_argument("--seed", type=int, default=2023)  # as consolidate.py: same data folder
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    folder = generate(args.units, args.projects, args.seed, jobs=2)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    bases, reads, checks = [], [], []
    findings = 0
    for _ in range(args.repeat):
        # Both sides under the collection thresholds `xl-budget validate` and consolidate use.
        with fewer_collections():
            bases.append(read_only(files))
            read, check, findings = validate_all(files)
        reads.append(read)
        checks.append(check)
    base, read, check = (statistics.median(x) for x in (bases, reads, checks))
    total = read + check
    print(f"files: {len(files)}, findings: {findings}, medians of {args.repeat}")
    print(f"python-calamine read only: {base:.2f} s ({len(files) / base:.0f} workbooks/s)")
    print(f"validate: {total:.2f} s ({len(files) / total:.0f} workbooks/s) = read to grids {read:.2f} s"
          f" + parse and check {check:.2f} s")
    print(f"checking / reading: {check / base:.2f} (target < 1); validate / read only: {total / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
