"""The domain model of one unit's workbook (glossary names of DOMAIN.md).

Money is Decimal in 万元; schedule percentages are Decimal 0–100. Every model keeps the A1
address of each field's cell in ``cells`` (also for an empty field: the cell to fill), and
the text of any cell that should have held a number but did not in ``invalid``. Both are
left out of ``model_dump()`` so that two models with the same content compare equal there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, NamedTuple, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from xl_budget._trusted import without_validation
from xl_budget.values import IndicatorValue

CHECKPOINTS: tuple[str, ...] = ("mar", "jun", "oct", "dec")
_ONE = Decimal(1)


def tidy_decimal(d: Decimal) -> Decimal:
    """One representation per value: 3.00 → 3, 4.860 → 4.86 (no exponent)."""
    d = d.normalize()
    if not d.is_finite() or d.adjusted() > 15:
        return d  # absurd magnitudes are reported by the rules, not reshaped here
    return d.quantize(_ONE) if d == d.to_integral_value() else d


Amount = Annotated[Decimal, AfterValidator(tidy_decimal)]


class _Defaults(NamedTuple):
    values: dict[str, Any]  # of every field; a factory's field is overwritten
    factories: tuple[tuple[str, Callable[..., Any]], ...]  # of the fields that have one


# What from_typed and located fill in, by class (see Located.__pydantic_init_subclass__); in a
# plain dict, as each attribute of a model class is looked up through pydantic's metaclass
# hook, ten times as slow.
_DEFAULTS: dict[type, _Defaults] = {}


class Located(BaseModel):
    """A part of the workbook that remembers where each of its fields came from."""

    model_config = ConfigDict(extra="forbid")

    sheet: str | None = Field(default=None, exclude=True)
    cells: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)
    invalid: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)

    def cell(self, field: str) -> str | None:
        """A1 address of ``field``'s cell, or None when the reader never saw one."""
        return self.cells.get(field)

    @classmethod
    def from_typed(cls, **fields: Any) -> Self:
        """An instance of ``fields`` already of the types validation would give them (an
        amount tidied, a list a list, a tuple a tuple), built without validating: the reader
        types what it reads itself, and validation would tidy each amount again in Python.
        Fields left out get their defaults, as in validation; ``Part(...)`` still validates."""
        return _typed(cls, fields, set(fields))

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # What from_typed fills in, looked up once per class: FieldInfo.get_default inspects
        # the factory on every call.
        super().__pydantic_init_subclass__(**kwargs)
        fields = cls.__pydantic_fields__
        factories = tuple((name, info.default_factory) for name, info in fields.items()
                          if info.default_factory is not None)
        _DEFAULTS[cls] = _Defaults({name: info.default for name, info in fields.items()}, factories)
        for info in fields.values():
            if info.default_factory is None:
                hash(info.default)  # a default shared by all instances must be immutable


_Part = TypeVar("_Part", bound=Located)


def located(model: type[_Part], fields: dict[str, Any], cells: dict[str, str],
            invalid: dict[str, str]) -> _Part:
    """``model.from_typed(**fields)`` with the cells its fields were read from and the texts of
    those that held no number; both dicts are taken, not copied, and are not counted among the
    fields set (as when filled in after ``from_typed``)."""
    return _typed(model, {**fields, "cells": cells, "invalid": invalid}, set(fields))


def _typed(model: type[_Part], given: dict[str, Any], fields_set: set[str]) -> _Part:
    # from_typed and located: the given values, defaults (a fresh one from each factory) for
    # the others, in declaration order as validation puts them.
    defaults = _DEFAULTS[model]
    values = {**defaults.values, **given}
    for name, factory in defaults.factories:
        if name not in given:
            values[name] = factory()
    return without_validation(model, values, fields_set)


class Unit(Located):
    """单位信息: who submits the workbook."""

    # amounts assigned later (reader, importer) still get their one representation
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    code: str | None = None
    name: str | None = None
    county: str | None = None
    year: int | None = None
    preparer: str | None = None
    phone: str | None = None
    filled_on: dt.date | None = None
    # Totals the workbook states (filled by ``xl-budget fill``); D002 checks them.
    stated_total: Amount | None = Field(default=None, exclude=True)


class DepartmentTarget(Located):
    """分项绩效目标: one line of the department's itemised targets."""

    title: str | None = None
    goal: str | None = None
    indicators: str | None = None


class Department(Located):
    """部门整体绩效目标."""

    overall: str | None = None
    targets: list[DepartmentTarget] = Field(default_factory=list)
    measures: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overall or self.targets or self.measures)


class Budget(Located):
    """预算规模: 预算数 = 财政资金 + 其他资金, in 万元."""

    # amounts assigned later (reader, importer) still get their one representation
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    total: Amount | None = None
    fiscal: Amount | None = None
    other: Amount | None = None


class Schedule(Located):
    """资金支出计划（%）: cumulative share of the budget spent by each checkpoint, 0–100."""

    # amounts assigned later (reader, importer) still get their one representation
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    mar: Amount | None = None
    jun: Amount | None = None
    oct: Amount | None = None
    dec: Amount | None = None

    def values(self) -> list[Decimal | None]:
        return [getattr(self, k) for k in CHECKPOINTS]

    @property
    def is_blank(self) -> bool:
        return all(v is None for v in self.values()) and not self.invalid


class Indicator(Located):
    """One row of the 3-level indicator table; ``cells['value']`` is the 指标值 cell."""

    level1: str | None = None
    level2: str | None = None
    name: str | None = None
    description: str | None = None
    value: IndicatorValue | None = None
    basis: str | None = None
    # Whether level1/level2 were written on this row or carried down from the row above.
    inherited: tuple[bool, bool] = Field(default=(False, False), exclude=True, repr=False)

    @classmethod
    def from_row(cls, *, sheet: str | None, cells: dict[str, str], level1: str | None,
                 level2: str | None, name: str | None, description: str | None,
                 value: IndicatorValue | None, basis: str | None, inherited: tuple[bool, bool]
                 ) -> Indicator:
        """``from_typed`` with every field but ``invalid`` named: the reader's hottest loop,
        where packing keywords and merging defaults cost a sixth of reading a row."""
        return without_validation(cls, {"sheet": sheet, "cells": cells, "invalid": {},
                                        "level1": level1, "level2": level2, "name": name,
                                        "description": description, "value": value,
                                        "basis": basis, "inherited": inherited},
                                  set(_ROW_FIELDS))


_ROW_FIELDS = frozenset(Indicator.model_fields) - {"invalid"}


class UnitRef(Located):
    """The unit line of a project table ("731001 河北省承德县科学技术协会本级")."""

    code: str | None = None
    name: str | None = None


class Project(Located):
    """One project table (项目绩效目标表)."""

    code: str | None = None
    name: str | None = None
    budget: Budget = Field(default_factory=Budget)
    use: str | None = None
    schedule: Schedule = Field(default_factory=Schedule)
    goals: list[str] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    unit: UnitRef | None = Field(default=None, exclude=True)

    @property
    def is_blank(self) -> bool:
        """Nothing typed in the table (the unit line and template formulas do not count)."""
        b = self.budget
        return not (self.code or self.name or self.use or self.goals or self.indicators
                    or b.total is not None or b.fiscal is not None or b.other is not None or b.invalid
                    or not self.schedule.is_blank)


class BudgetBook(Located):
    """Everything one unit submits: the parsed content of one workbook file."""

    file: str | None = Field(default=None, exclude=True)
    unit: Unit = Field(default_factory=Unit)
    department: Department = Field(default_factory=Department)
    projects: list[Project] = Field(default_factory=list)
    # Sheets whose project table holds nothing typed (a spare sheet of the template).
    blank_tables: list[str] = Field(default_factory=list, exclude=True)

    def content(self) -> dict:
        """The data without locations, for comparing two books."""
        return self.model_dump(mode="json")
