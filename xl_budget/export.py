"""The parsed workbook as the JSON of CONTRACT.md."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from xl_budget.model import CHECKPOINTS, BudgetBook, Indicator, Project
from xl_budget.values import IndicatorValue


def _num(d: Decimal | None) -> float | int | None:
    # JSON numbers: exact decimals as written ("0.91" → 0.91).
    return None if d is None else float(d)


def value_dict(value: IndicatorValue | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"raw": value.raw, "operator": value.operator, "number": _num(value.number),
            "unit": value.unit, "grade": value.grade}


def indicator_dict(ind: Indicator) -> dict[str, Any]:
    return {"level1": ind.level1, "level2": ind.level2, "name": ind.name,
            "description": ind.description, "basis": ind.basis, "cell": ind.cell("value"),
            "value": value_dict(ind.value)}


def project_dict(p: Project) -> dict[str, Any]:
    return {
        "sheet": p.sheet, "code": p.code, "name": p.name,
        "budget": {k: _num(getattr(p.budget, k)) for k in ("total", "fiscal", "other")},
        "use": p.use,
        "schedule": {k: _num(getattr(p.schedule, k)) for k in CHECKPOINTS},
        "goals": list(p.goals),
        "indicators": [indicator_dict(i) for i in p.indicators],
    }


def book_dict(book: BudgetBook) -> dict[str, Any]:
    u, d = book.unit, book.department
    return {
        "unit": {"code": u.code, "name": u.name, "year": u.year},
        "department": {
            "overall": d.overall,
            "targets": [{"title": t.title, "goal": t.goal, "indicators": t.indicators} for t in d.targets],
            "measures": list(d.measures),
        },
        "projects": [project_dict(p) for p in book.projects],
    }


def book_json(book: BudgetBook) -> str:
    return json.dumps(book_dict(book), ensure_ascii=False, indent=2)
