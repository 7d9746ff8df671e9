"""Settings from a TOML file, with defaults and validation.

`NETKEEP_CONFIG` names the file, else `config.toml` in the platformdirs user config dir; a missing file
means defaults. Every invalid value fails with BadInput naming the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netkeep.dates import DATE_ORDERS, Duration, parse_duration
from netkeep.errors import BadInput
from netkeep.vocab import (
    DEFAULT_HALF_LIFE,
    DEFAULT_RESPONSE_WINDOW,
    DEFAULT_TIER,
    DEFAULT_TIERS,
)

if TYPE_CHECKING:
    from netkeep.scoring import ScoringSettings

CONFIG_ENV = "NETKEEP_CONFIG"


def _default_cadences() -> dict[str, Duration]:
    return {tier: parse_duration(text) for tier, text in DEFAULT_TIERS.items()}


@dataclass(frozen=True)
class Me:
    """Who you are in exported files: how direction is told (see docs/capture.md)."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    linkedin: str | None = None  # your profile URL
    names: tuple[str, ...] = ()  # how you appear in chat exports
    region: str | None = None  # default phone region for numbers without a country code


@dataclass(frozen=True)
class Settings:
    cadence: dict[str, Duration] = field(default_factory=_default_cadences)
    default_tier: str = DEFAULT_TIER
    half_life: Duration = field(default_factory=lambda: parse_duration(DEFAULT_HALF_LIFE))
    response_window: Duration = field(
        default_factory=lambda: parse_duration(DEFAULT_RESPONSE_WINDOW)
    )
    # How to read a numeric date such as 3/11/2026: "dmy" or "mdy"; None refuses the ambiguous ones.
    date_order: str | None = None
    me: Me = field(default_factory=lambda: Me())
    source: Path | None = None  # the file read, if any

    @property
    def tiers(self) -> list[str]:
        return list(self.cadence)

    @property
    def scoring(self) -> ScoringSettings:
        """The scoring module's settings (fixed-length durations for decay and the window)."""
        from netkeep.scoring import ScoringSettings

        return ScoringSettings(
            half_life=self.half_life.timedelta, response_window=self.response_window.timedelta
        )

    def check_tier(self, tier: str) -> str:
        name = tier.strip().lower()
        if name not in self.cadence:
            raise BadInput(f"unknown tier {tier!r} (choose from: {', '.join(self.cadence)})")
        return name


def config_path() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("netkeep", appauthor=False)) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read config file {path}: {exc}") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"config file {path}: invalid TOML: {exc}") from exc
    return _settings_from(data, path)


def _settings_from(data: dict[str, Any], path: Path) -> Settings:
    known = {"cadence", "defaults", "scoring", "me"}
    for section in data:
        if section not in known:
            raise BadInput(f"config {path}: unknown section [{section}]")
        if not isinstance(data[section], dict):
            raise BadInput(f"config {path}: {section} must be a table ([{section}])")

    cadence = _default_cadences()
    for tier, value in data.get("cadence", {}).items():
        name = tier.strip().lower()
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise BadInput(f"config {path}: cadence.{tier}: tier names are letters, digits, - or _")
        cadence[name] = _duration(value, f"cadence.{tier}", path)

    defaults = data.get("defaults", {})
    _only(defaults, {"tier", "date_order"}, "defaults", path)
    default_tier = defaults.get("tier", DEFAULT_TIER)
    if not isinstance(default_tier, str) or default_tier.strip().lower() not in cadence:
        raise BadInput(
            f"config {path}: defaults.tier: {default_tier!r} is not a tier "
            f"(choose from: {', '.join(cadence)})"
        )

    date_order = defaults.get("date_order")
    if date_order is not None:
        if not isinstance(date_order, str) or date_order.strip().lower() not in DATE_ORDERS:
            raise BadInput(
                f"config {path}: defaults.date_order: {date_order!r} is not a date order "
                f"(choose from: {', '.join(DATE_ORDERS)})"
            )
        date_order = date_order.strip().lower()

    scoring = data.get("scoring", {})
    _only(scoring, {"half_life", "response_window"}, "scoring", path)
    return Settings(
        cadence=cadence,
        default_tier=default_tier.strip().lower(),
        date_order=date_order,
        half_life=_duration(scoring.get("half_life", DEFAULT_HALF_LIFE), "scoring.half_life", path),
        response_window=_duration(
            scoring.get("response_window", DEFAULT_RESPONSE_WINDOW), "scoring.response_window", path
        ),
        me=_me(data.get("me", {}), path),
        source=path,
    )


def _me(table: dict[str, Any], path: Path) -> Me:
    _only(table, {"emails", "phones", "linkedin", "names", "region"}, "me", path)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("emails", "phones", "names"):
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadInput(f"config {path}: me.{key}: expected a list of strings")
        lists[key] = tuple(v.strip() for v in value if v.strip())
    single: dict[str, str | None] = {}
    for key in ("linkedin", "region"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise BadInput(f"config {path}: me.{key}: expected a string")
        single[key] = value.strip() if value and value.strip() else None
    return Me(
        emails=lists["emails"],
        phones=lists["phones"],
        names=lists["names"],
        linkedin=single["linkedin"],
        region=single["region"],
    )


def _only(table: dict[str, Any], keys: set[str], section: str, path: Path) -> None:
    for key in table:
        if key not in keys:
            raise BadInput(f"config {path}: unknown key {section}.{key}")


def _duration(value: object, key: str, path: Path) -> Duration:
    if not isinstance(value, str):
        raise BadInput(f"config {path}: {key}: expected a duration like '3m', got {value!r}")
    try:
        return parse_duration(value)
    except BadInput as exc:
        raise BadInput(f"config {path}: {key}: {exc}") from None
