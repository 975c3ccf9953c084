"""Ingestion configuration: `.dlt/config.toml`, `.dlt/secrets.toml`, environment variables and
the GL column mapping file, turned into plain table specs the sources run on.

Precedence for a value: environment variable (dlt style, ``SOURCES__ERP__URL``) >
``.dlt/secrets.toml`` > ``.dlt/config.toml`` > built-in default.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.gl_layout import Layout, load_layouts
from ledgerbridge import profile
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT

#: Column kinds -> Arrow types (and thereby DuckDB types).
KIND_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "int": pa.int64(),
    "money": pa.decimal128(18, 2),
    "qty": pa.decimal128(18, 3),
    "rate": pa.decimal128(6, 4),
    "fx": pa.decimal128(18, 6),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}

SOURCE_NAMES = ("erp", "finance", "expense")
#: Set on a raw row when its source no longer has it (a hard delete, a removed GL file); NULL for
#: a live row. Downstream models read ``where _deleted_at is null``.
DELETED_AT = "_deleted_at"


def config_dir() -> Path:
    """The folder holding config.toml / secrets.toml: the active profile (``ledgerbridge.profile``)."""
    return profile.config_dir()


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LedgerbridgeError(f"cannot read {path}: {exc}") from exc


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@dataclass
class TableSpec:
    """One raw table: keys, cursor, column kinds and validation rules."""

    source: str
    name: str
    primary_key: list[str]
    kinds: dict[str, str]  # column -> kind, for every column the contract knows
    cursor: str | None = "updated_at"
    non_negative: list[str] = field(default_factory=list)
    currency_columns: list[str] = field(default_factory=list)
    known_currencies: list[str] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=lambda: ["%Y-%m-%d"])
    record_key: str | None = None
    zero_if_empty: list[str] = field(default_factory=list)
    merge_key: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    #: a cursor later than now + this is quarantined (``future_timestamp``)
    future_tolerance: dt.timedelta = dt.timedelta(hours=24)
    #: GL tables: the file layout (column mapping and knobs)
    layout: Layout | None = None

    def kind(self, column: str) -> str:
        return self.kinds.get(column, "text")

    def arrow_type(self, column: str) -> pa.DataType:
        return KIND_TYPES[self.kind(column)]

    def dlt_columns(self, present: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """dlt column hints (types with precision/scale) for the columns we know."""
        hints: dict[str, dict[str, Any]] = {}
        for col in present or list(self.kinds):
            kind = self.kind(col)
            t = KIND_TYPES[kind]
            if pa.types.is_decimal(t):
                hints[col] = {"data_type": "decimal", "precision": t.precision, "scale": t.scale}
            elif kind == "date":
                hints[col] = {"data_type": "date"}
            elif kind == "timestamp":
                hints[col] = {"data_type": "timestamp", "timezone": False}
            elif kind == "int":
                hints[col] = {"data_type": "bigint"}
            else:
                hints[col] = {"data_type": "text"}
        if self.cursor and self.cursor in hints:
            hints[self.cursor]["dedup_sort"] = "desc"
        hints[DELETED_AT] = {"data_type": "timestamp", "timezone": False, "nullable": True}
        return hints


class IngestConfig:
    """The merged configuration of all sources."""

    def __init__(self, raw: dict[str, Any], base_dir: Path, config_dir: Path | None = None) -> None:
        self.raw = raw
        self.base_dir = base_dir
        self.config_dir = config_dir or base_dir

    @classmethod
    def load(cls, directory: Path | None = None) -> IngestConfig:
        """The configuration of ``directory``, else of the active profile laid over the demo
        defaults (a profile holds only what differs: its tables, file names, mapping file …)."""
        d = directory or config_dir()
        base: dict[str, Any] = {}
        if directory is None and profile.profile_dir() is not None:
            base = _read_toml(PROJECT_ROOT / ".dlt" / "config.toml")
        raw = _deep_merge(_deep_merge(base, _read_toml(d / "config.toml")), _read_toml(d / "secrets.toml"))
        if not raw.get("sources"):
            raise LedgerbridgeError(f"no [sources] configured in {d / 'config.toml'}")
        return cls(raw, PROJECT_ROOT, d)

    # -- plain values -----------------------------------------------------------------------

    @property
    def source_order(self) -> list[str]:
        return list(self.raw.get("ledgerbridge", {}).get("sources", SOURCE_NAMES))

    def source(self, name: str) -> dict[str, Any]:
        try:
            return self.raw["sources"][name]
        except KeyError:
            raise LedgerbridgeError(f"{name}: no [sources.{name}] section in the configuration") from None

    def value(self, source: str, key: str, default: Any = None) -> Any:
        """A source option; the env var SOURCES__<SOURCE>__<KEY> wins over the files."""
        env = os.environ.get(f"SOURCES__{source.upper()}__{key.upper()}")
        if env not in (None, ""):
            return env
        value = self.source(source).get(key, default)
        return default if value in (None, "") else value

    @cached_property
    def validation(self) -> dict[str, Any]:
        return self.raw.get("ledgerbridge", {}).get("validation", {})

    @cached_property
    def kinds(self) -> dict[str, str]:
        kinds = dict(self.raw.get("ledgerbridge", {}).get("types", {}))
        for col, kind in kinds.items():
            if kind not in KIND_TYPES:
                raise LedgerbridgeError(f"config: column {col!r} has unknown kind {kind!r}")
        return kinds

    def resolve(self, rel: str) -> Path:
        """A path named in the configuration: absolute, else next to config.toml, else from the
        project root (the demo configuration names files from the root)."""
        p = Path(rel)
        if p.is_absolute():
            return p
        beside = self.config_dir / p
        return beside if beside.exists() else self.base_dir / p

    @property
    def mapping_path(self) -> Path:
        """The GL column mapping file (``mapping_file`` in ``[sources.finance]``)."""
        return self.resolve(self.source("finance").get("mapping_file", "ingestion/mappings/gl_columns.toml"))

    @cached_property
    def layouts(self) -> dict[str, Layout]:
        """Every section of the GL column mapping, validated."""
        return load_layouts(self.mapping_path)

    def layout(self, section: str) -> Layout:
        """One GL entity's layout."""
        if section not in self.layouts:
            raise LedgerbridgeError(f"finance: no [{section}] section in the GL mapping {self.mapping_path}")
        return self.layouts[section]

    @cached_property
    def future_tolerance(self) -> dt.timedelta:
        hours = self.validation.get("future_tolerance_hours", 24)
        if not isinstance(hours, int | float) or hours < 0:
            raise LedgerbridgeError(f"config: future_tolerance_hours must be hours >= 0, got {hours!r}")
        return dt.timedelta(hours=hours)

    # -- table specs ------------------------------------------------------------------------

    def tables(self, source: str) -> list[TableSpec]:
        section = "endpoints" if source == "expense" else "tables"
        entries = self.source(source).get(section, {})
        v = self.validation
        specs = []
        for name, opts in entries.items():
            kinds = dict(self.kinds)
            extra = opts.get("columns", {})
            for col, kind in extra.items():
                if kind not in KIND_TYPES:
                    raise LedgerbridgeError(f"{source}.{name}: column {col!r} has unknown kind {kind!r}")
            kinds.update(extra)
            layout = None
            if source == "finance":
                # GL tables know exactly the columns of their layout (+ the file they came from)
                layout = self.layout(opts.get("mapping", name))
                kinds = {c: kinds.get(c, "text") for c in [*layout.columns, "source_file"]}
            pk = opts.get("primary_key")
            if not pk:
                raise LedgerbridgeError(f"{source}.{name}: primary_key is required in the configuration")
            specs.append(
                TableSpec(
                    source=source,
                    name=name,
                    primary_key=[pk] if isinstance(pk, str) else list(pk),
                    kinds=kinds,
                    cursor=opts.get("cursor", None if source == "finance" else "updated_at") or None,
                    non_negative=list(opts.get("non_negative", [])),
                    currency_columns=list(v.get("currency_columns", ["currency"])),
                    known_currencies=list(v.get("known_currencies", ["CNY", "USD", "EUR"])),
                    date_formats=list(v.get("date_formats", ["%Y-%m-%d"])),
                    record_key=opts.get("record_key"),
                    zero_if_empty=list(opts.get("zero_if_empty", [])),
                    merge_key=opts.get("merge_key"),
                    options=dict(opts),
                    future_tolerance=self.future_tolerance,
                    layout=layout,
                )
            )
        return specs
