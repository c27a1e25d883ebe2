"""Rules profiles: thresholds and the indicator framework, in TOML, never in code."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xl_budget.errors import InputError


class Required(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output: str = "产出指标"
    output_parts: list[str] = Field(default_factory=list)
    effect: str = "效益指标"
    satisfaction: str = "满意度指标"
    cost_level1: str = "产出指标"
    cost_level2: str = "成本指标"


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    satisfaction_min: Decimal = Decimal(80)
    satisfaction_error_below: Decimal = Decimal(60)
    pacing_tolerance: Decimal = Decimal(20)
    straight_line: list[Decimal] = Field(default_factory=lambda: [Decimal(x) for x in ("25", "50", "83.3", "100")])
    default_pacing: list[Decimal] = Field(default_factory=lambda: [Decimal(x) for x in (30, 60, 85, 100)])


class Profile(BaseModel):
    """One rules profile (see xl_budget/profiles/*.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    region_code: str = ""
    framework: dict[str, list[str]]
    required: Required = Field(default_factory=Required)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    regions: dict[str, str] = Field(default_factory=dict)
    disable: list[str] = Field(default_factory=list)  # rule codes or groups switched off

    def allowed_level2(self, level1: str | None) -> list[str] | None:
        return self.framework.get(level1 or "")

    def region_for(self, county: str | None) -> str:
        return self.regions.get(county or "", self.region_code)


BUILTIN = ("default", "central2021")


@cache
def load_profile(name_or_path: str | None = None) -> Profile:
    """A built-in profile by name, or a TOML file by path.

    Raises:
        InputError: unknown name, unreadable file or invalid content (Chinese message).
    """
    name = name_or_path or "default"
    if name in BUILTIN:
        text = resources.files("xl_budget.profiles").joinpath(f"{name}.toml").read_text("utf-8")
        source = name
    else:
        path = Path(name)
        if not path.is_file():
            raise InputError(f"找不到规则配置“{name}”：可用内置配置 {'、'.join(BUILTIN)}，或给出 TOML 文件路径")
        text, source = path.read_text("utf-8"), str(path)
    try:
        return Profile.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise InputError(f"规则配置 {source} 有误：{exc}") from exc
