"""The validation engine: files → grids → model → findings. Only this module opens files for rules."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from xl_budget._gc import fewer_collections
from xl_budget.errors import FileError
from xl_budget.findings import Finding, Report, ReportTask
from xl_budget.grids import DEFAULT_MAX_BYTES
from xl_budget.model import BudgetBook
from xl_budget.parse import read_book
from xl_budget.profile import Profile, load_profile
from xl_budget.rules import book_rules
from xl_budget.rules.base import BaseRule, SharedRule
from xl_budget.rules.file import Rule_F001

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _enabled(disable: tuple[str, ...], select: tuple[str, ...]) -> tuple[type[BaseRule], ...]:
    rules = []
    for rule in book_rules():
        tags = {rule.code, rule.family(), *rule.groups}
        if any(d in tags for d in disable):
            continue
        if select and not any(s.lstrip("#") in tags for s in select):
            continue
        rules.append(rule)
    return tuple(rules)


Kind = tuple[Callable[[BudgetBook, Profile], Any], tuple[type[SharedRule], ...]]
"""A precomputation (``SharedRule.shared``) and the enabled rules that read it."""


@lru_cache(maxsize=64)
def _plan(disable: tuple[str, ...], select: tuple[str, ...]
          ) -> tuple[tuple[type[BaseRule], ...], tuple[Kind, ...]]:
    """The enabled rules that read the workbook themselves, and the others by kind."""
    kinds: dict[Callable[[BudgetBook, Profile], Any], list[type[SharedRule]]] = {}
    plain = []
    for rule in _enabled(disable, select):
        if issubclass(rule, SharedRule):
            kinds.setdefault(rule.shared, []).append(rule)
        else:
            plain.append(rule)
    return tuple(plain), tuple((shared, tuple(rules)) for shared, rules in kinds.items())


def check_book(book: BudgetBook, profile: Profile | None = None,
               select: Sequence[str] | None = None) -> list[Finding]:
    """Every finding on one parsed workbook, sorted by sheet and cell."""
    profile = profile or load_profile()
    file = _file_name(book.file) if book.file else None
    found: list[Finding] = []
    # Rules may run in any order: the sort below keeps each rule's own order, and every
    # finding carries its rule's code.
    plain, kinds = _plan(tuple(profile.disable), tuple(select or ()))
    for rule in plain:
        found += rule(file).check_book(book, profile)
    for make_shared, rules in kinds:
        shared = make_shared(book, profile)  # once for every rule of the kind
        for shared_rule in rules:
            found += shared_rule(file).check_shared(shared, profile)
    return Finding.sort(found)


def _file_name(path: str) -> str:
    """``Path(path).name`` without building a Path, which costs as much as ten rules: the two
    differ only when the last part is not a name ("a/", "a/.")."""
    name = os.path.basename(path)
    return name if name not in ("", ".") else Path(path).name


def check_file(path: str | Path, profile: Profile | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[BudgetBook | None, ReportTask]:
    """Read and check one file; an unreadable file becomes finding F001, never an exception."""
    path = Path(path)
    try:
        book = read_book(path) if max_bytes == DEFAULT_MAX_BYTES else _read(path, max_bytes)
    except FileError as exc:
        return None, _unreadable(path, str(exc))
    except Exception:  # a reader bug must cost one file, never the run
        log.exception("reading %s failed", path)
        return None, _unreadable(path, "读取时发生内部错误，请把此文件发给技术支持")
    return book, ReportTask(file=str(path), findings=check_book(book, profile))


def _unreadable(path: Path, reason: str) -> ReportTask:
    finding = Rule_F001(path.name).for_error(reason)
    return ReportTask(file=str(path), findings=[finding], readable=False)


def _read(path: Path, max_bytes: int) -> BudgetBook:
    from xl_budget.grids import read_grids
    from xl_budget.parse import parse_grids

    return parse_grids(read_grids(path, max_bytes), file=str(path))


def validate(paths: str | Path | Iterable[str | Path], profile: str | Profile | None = None) -> Report:
    """Validate one or more workbook files.

    Args:
        paths: a file or several.
        profile: a Profile, a built-in profile name or a TOML path; default profile when None.
    Returns:
        A Report with one task per file.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    with fewer_collections():
        return Report(tasks=[check_file(p, prof)[1] for p in paths])
