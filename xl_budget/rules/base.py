"""The rule base class: one rule, one class named after its code (``Rule_B002``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Generic, TypeVar

from xl_budget.findings import Finding, Severity
from xl_budget.model import BudgetBook, Located, Project
from xl_budget.profile import Profile

_CODE = re.compile(r"^Rule_([FCBPGIDX]\d{3})$")
S = TypeVar("S")


class BaseRule:
    """Subclasses are named ``Rule_<CODE>``; ``title`` is the short Chinese heading users see,
    the docstring (first line: the summary) explains the rule to developers.

    Override ``check_book`` (whole workbook) or ``check_project`` (each project table).
    Messages are Chinese templates in ``messages``, formatted with the keyword arguments
    given to ``finding``; ``severity`` is the default, a finding may override it. A rule is
    made for the file it checks, whose name every finding carries.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    title: ClassVar[str]  # short Chinese title in the catalogue's words, shown to users
    groups: ClassVar[tuple[str, ...]] = ("all",)
    severity: ClassVar[Severity]
    messages: ClassVar[dict[str, str]]
    scope: ClassVar[str] = "book"  # "county": checks many workbooks at once (consolidation)

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:  # a base for a kind of rule (IndicatorRule), not a rule
            return
        m = _CODE.match(cls.__name__)
        if m is None:
            raise TypeError(f"rule class {cls.__name__} must be named Rule_<code>, e.g. Rule_B002")
        cls.code = m.group(1)
        if not (cls.__doc__ or "").strip():
            raise TypeError(f"{cls.__name__} needs a docstring (its first line is the summary)")
        for attr in ("name", "title", "severity", "messages"):
            if not hasattr(cls, attr):
                raise TypeError(f"{cls.__name__} lacks {attr}")

    def __init__(self, file: str | None = None) -> None:
        self.file = file  # the workbook's file name, as findings show it ("a.xlsx")

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def family(cls) -> str:
        return cls.code[0]

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        for project in book.projects:
            yield from self.check_project(project, book, profile)

    def check_project(self, project: Project, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        return iter(())

    def finding(self, part: Located | None, field: str | None, key: str = "default", *,
                severity: Severity | None = None, project: Project | None = None,
                sheet: str | None = None, cell: str | None = None, **ctx: Any) -> Finding:
        """A finding at ``part``'s cell for ``field`` with the message ``messages[key]``."""
        return self.located(
            key, ctx, severity,
            sheet or (part.sheet if part is not None else None),
            cell or (part.cell(field) if part is not None and field else None),
            project.code if project is not None else None,
            field,
        )

    def located(self, key: str, ctx: dict[str, Any], severity: Severity | None, sheet: str | None,
                cell: str | None, project: str | None, field: str | None) -> Finding:
        """``finding`` with its place already worked out, for rules that emit findings by the
        thousand (every argument already has its field's type: no validation)."""
        return Finding.trusted(self.code, severity or self.severity, self.messages[key].format_map(ctx),
                               self.file, sheet, cell, project, field)


class SharedRule(BaseRule, Generic[S], abstract=True):
    """A rule that reads a workbook through a precomputation all rules of its kind share
    (``shared``: the indicator rows classified, the spending plans decided). The engine makes
    it once per workbook for every rule of the kind; a rule run alone makes it itself."""

    @staticmethod
    def shared(book: BudgetBook, profile: Profile) -> S:
        raise NotImplementedError

    def check_shared(self, shared: S, profile: Profile) -> Iterator[Finding]:
        raise NotImplementedError

    def check_book(self, book: BudgetBook, profile: Profile) -> Iterator[Finding]:
        return self.check_shared(self.shared(book, profile), profile)
