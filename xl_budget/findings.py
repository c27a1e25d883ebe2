"""Findings: what a rule says about one cell, and the Report that gathers them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xl_budget._trusted import without_validation


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]

    @classmethod
    def from_letter(cls, letter: str) -> Severity:
        return {"E": cls.error, "W": cls.warning, "I": cls.info}[letter]


class Finding(BaseModel):
    """One problem at one cell. ``field`` names the model field (``budget.total``) it is about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    project: str | None = None
    field: str | None = Field(default=None, exclude=True)

    def line(self) -> str:
        """The text format of CONTRACT.md: ``a.xlsx:项目1!E14: I011 error 消息``."""
        where = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else (self.sheet or "")
        loc = f"{self.file or ''}:{where}" if where else (self.file or "")
        return f"{loc}: {self.code} {self.severity.value} {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "project": self.project,
                "code": self.code, "severity": self.severity.value, "message": self.message}

    def sort_key(self) -> tuple:
        file, sheet, cell, code = _SORT_FIELDS(self.__dict__)  # one call: each report sorts them all
        return (file or "", sheet or "", _position(cell), code)

    @classmethod
    def trusted(cls, code: str, severity: Severity, message: str, file: str | None,
                sheet: str | None, cell: str | None, project: str | None, field: str | None) -> Finding:
        """A finding from values that already have the field types, as ``Finding(...)`` with every
        field given would make it, without validating them (the rules build tens of thousands)."""
        return without_validation(cls, {"code": code, "severity": severity, "message": message,
                                        "file": file, "sheet": sheet, "cell": cell,
                                        "project": project, "field": field},
                                  set(_FINDING_FIELDS))

    @staticmethod
    def sort(findings: list[Finding]) -> list[Finding]:
        """In report order: by file, sheet, cell (row, then column) and code; stable."""
        return sorted(findings, key=Finding.sort_key)


_FINDING_FIELDS = frozenset(Finding.model_fields)
_SORT_FIELDS = itemgetter("file", "sheet", "cell", "code")


@lru_cache(maxsize=1 << 16)
def _position(cell: str | None) -> tuple[int, int]:
    """(row, column) of an A1 address for sorting; (-1, -1) before every cell (cached: findings
    of every workbook sit on the same few thousand cells)."""
    from xl_budget.grids import parse_a1

    try:
        return parse_a1(cell) if cell else (-1, -1)
    except ValueError:
        return (-1, -1)


STATUS_LABELS = {"ok": "通过", "warnings": "有警告", "errors": "有错误", "unreadable": "无法读取"}


class ReportTask(BaseModel):
    """The outcome for one workbook file."""

    model_config = ConfigDict(extra="forbid")

    file: str
    findings: list[Finding] = Field(default_factory=list)
    readable: bool = True

    @property
    def errors(self) -> int:
        return sum(f.severity == Severity.error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == Severity.warning for f in self.findings)

    @property
    def status(self) -> str:
        if not self.readable:
            return "unreadable"
        return "errors" if self.errors else "warnings" if self.warnings else "ok"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "errors": self.errors, "warnings": self.warnings}


class Report(BaseModel):
    """Every finding of one run, one task per workbook."""

    model_config = ConfigDict(extra="forbid")

    tasks: list[ReportTask] = Field(default_factory=list)
    extra: list[Finding] = Field(default_factory=list)  # cross-workbook findings (X…)

    @classmethod
    def merge(cls, reports: Iterable[Report]) -> Report:
        out = cls()
        for report in reports:
            out.tasks.extend(report.tasks)
            out.extra.extend(report.extra)
        return out

    @property
    def findings(self) -> list[Finding]:
        return [f for t in self.tasks for f in t.findings] + list(self.extra)

    @property
    def valid(self) -> bool:
        return not any(f.severity == Severity.error for f in self.findings)

    @property
    def stats(self) -> dict[str, int]:
        counts = Counter(f.severity.value for f in self.findings)
        return {"files": len(self.tasks), "errors": counts["error"], "warnings": counts["warning"],
                "infos": counts["info"]}

    def flatten(self, fields: Sequence[str] = ("sheet", "cell", "code")) -> list[list[Any]]:
        """Plain rows of the chosen finding attributes, for tests and CSV."""
        return [[getattr(f, name) for name in fields] for f in self.findings]

    def pick(self, *selectors: str) -> list[Finding]:
        """Findings whose code equals or starts with a selector (``B002``, ``B``)."""
        return [f for f in self.findings if any(f.code.startswith(s.lstrip("#")) for s in selectors)]

    def to_json(self) -> str:
        return json.dumps({"files": [t.to_json() for t in self.tasks],
                           "findings": [f.to_json() for f in self.findings]},
                          ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        return "\n".join(f.line() for f in self.findings)
