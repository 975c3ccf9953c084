"""How a company's GL export files are laid out: the column mapping file, read and validated.

One section per GL entity (``[gl_voucher_lines]``, ``[gl_accounts]`` ...). The header aliases sit
in the section's ``headers`` table (header -> canonical column; several headers may name one
column, the first present in a file wins); the other keys of the section are layout knobs,
documented in docs/sources.md ("GL export layouts"). A section holding only header aliases
(the older flat form) is read as ``headers``.

Every knob is validated when the file is read: an unknown key, a bad regular expression or a
knob naming a column the mapping does not produce is one clear error naming the file, the
section and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerbridge.errors import LedgerbridgeError

#: Knobs a section may hold (besides ``headers``), with what each takes.
KNOBS = {
    "headers": "a table of header = canonical column",
    "optional": "a list of canonical columns a file may lack (NULL then)",
    "header_row": '"auto" (the first row holding every required header) or the row number (1 = first)',
    "header_search_rows": "how many rows from the top 'auto' searches (default 30)",
    "thousands_separator": 'the grouping mark stripped from numbers ("," by default; "" for none)',
    "total_row": "a table: column, markers, required, debit, credit, count",
    "signed_amount": "a table: column, direction, debit, credit, negative_credits",
    "path_pattern": "a regular expression over the file's path with named groups (e.g. org_code)",
    "constants": "a table of canonical column = value for every line",
    "period_from": "a date column the period is taken from when a file has no period (or a line none)",
}
TOTAL_ROW_KEYS = {"column", "markers", "required", "debit", "credit", "count"}
SIGNED_KEYS = {"column", "direction", "debit", "credit", "negative_credits"}
DEFAULT_MARKERS = ("合计", "总计", "Total")
DEFAULT_DEBIT_WORDS = ("借", "D", "Dr", "Debit")
DEFAULT_CREDIT_WORDS = ("贷", "C", "Cr", "Credit")


@dataclass(frozen=True)
class TotalRow:
    """Trailing total rows (合计): recognised by a marker in a column, never loaded as lines; the
    last one is the file's promise (totals, optionally a line count) checked against the lines."""

    column: str
    markers: tuple[str, ...] = DEFAULT_MARKERS
    required: bool = True
    debit: str | None = "debit"
    credit: str | None = "credit"
    count: str | None = None


@dataclass(frozen=True)
class SignedAmount:
    """Debit and credit from one amount column and a direction column (借/贷, D/C); without a
    direction column a positive amount is a debit and a negative one a credit."""

    column: str
    direction: str | None = None
    debit: tuple[str, ...] = DEFAULT_DEBIT_WORDS
    credit: tuple[str, ...] = DEFAULT_CREDIT_WORDS
    negative_credits: bool = False  # credits are written as negative numbers (SAP style)


@dataclass(frozen=True)
class Layout:
    """One GL entity's file layout (see the module docstring)."""

    entity: str
    headers: dict[str, str]
    optional: frozenset[str] = frozenset()
    header_row: int | None = None  # None: detect
    header_search_rows: int = 30
    thousands_separator: str = ","
    total_row: TotalRow | None = None
    signed_amount: SignedAmount | None = None
    path_pattern: re.Pattern[str] | None = None
    constants: dict[str, str] = field(default_factory=dict)
    period_from: str | None = None

    @property
    def mapped(self) -> list[str]:
        """Canonical columns named by the headers, in mapping order."""
        return list(dict.fromkeys(self.headers.values()))

    @property
    def derived(self) -> list[str]:
        """Canonical columns that come from the layout, not from a header of their own."""
        out: list[str] = []
        if self.signed_amount:
            out += ["debit", "credit"]
        if self.path_pattern:
            out += list(self.path_pattern.groupindex)
        out += list(self.constants)
        if self.period_from:
            out.append("period")
        return list(dict.fromkeys(out))

    @property
    def consumed(self) -> set[str]:
        """Mapped columns that only feed a derived one (not loaded themselves)."""
        s = self.signed_amount
        return {c for c in (s.column, s.direction) if c} if s else set()

    @property
    def columns(self) -> list[str]:
        """The canonical columns of the raw table, in order."""
        return [c for c in dict.fromkeys([*self.mapped, *self.derived]) if c not in self.consumed]

    @property
    def required(self) -> list[str]:
        """Canonical columns a file must have a header for."""
        fed_otherwise = set(self.derived) - {"debit", "credit"}
        return [c for c in self.mapped if c not in self.optional and c not in fed_otherwise]

    def aliases(self, column: str) -> list[str]:
        """The headers that map to a canonical column."""
        return [h for h, c in self.headers.items() if c == column]


def _fail(where: str, message: str) -> LedgerbridgeError:
    return LedgerbridgeError(f"GL mapping {where}: {message}")


def _str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, f"{key} must be a list of texts, got {value!r}")
    return tuple(value)


def _check_keys(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        is_header = isinstance(table[unknown[0]], str)
        hint = " (header aliases go in the [<entity>.headers] table)" if is_header else ""
        raise _fail(where, f"unknown key {unknown[0]!r}{hint}; known: {', '.join(sorted(known))}")


def _headers(section: dict[str, Any], where: str) -> dict[str, str]:
    headers = section.get("headers")
    if headers is None:  # the flat form: the whole section is header aliases
        headers = section
    if not isinstance(headers, dict) or not headers:
        raise _fail(where, "no header aliases (a [<entity>.headers] table of header = column)")
    bad = [h for h, c in headers.items() if not isinstance(c, str) or not c.strip()]
    if bad:
        raise _fail(where, f"header {bad[0]!r} must map to a canonical column name (text)")
    return {str(h).strip(): c.strip() for h, c in headers.items()}


def _total_row(value: Any, where: str) -> TotalRow:
    if not isinstance(value, dict):
        raise _fail(where, 'total_row must be a table, e.g. { column = "summary", markers = ["合计"] }')
    _check_keys(value, TOTAL_ROW_KEYS, f"{where} total_row")
    if not isinstance(value.get("column"), str):
        raise _fail(where, "total_row needs column = the canonical column holding the marker")
    return TotalRow(
        column=value["column"],
        markers=_str_list(value.get("markers", list(DEFAULT_MARKERS)), where, "total_row.markers"),
        required=bool(value.get("required", True)),
        debit=value.get("debit", "debit") or None,
        credit=value.get("credit", "credit") or None,
        count=value.get("count") or None,
    )


def _signed(value: Any, where: str) -> SignedAmount:
    if not isinstance(value, dict) or not isinstance(value.get("column"), str):
        raise _fail(where, 'signed_amount must be a table with column = "<amount column>"')
    _check_keys(value, SIGNED_KEYS, f"{where} signed_amount")
    return SignedAmount(
        column=value["column"],
        direction=value.get("direction") or None,
        debit=_str_list(value.get("debit", list(DEFAULT_DEBIT_WORDS)), where, "signed_amount.debit"),
        credit=_str_list(value.get("credit", list(DEFAULT_CREDIT_WORDS)), where, "signed_amount.credit"),
        negative_credits=bool(value.get("negative_credits", False)),
    )


def _pattern(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise _fail(where, f"path_pattern must be a regular expression (text), got {value!r}")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise _fail(where, f"path_pattern {value!r} is not a valid regular expression: {exc}") from None
    if not pattern.groupindex:
        raise _fail(where, f"path_pattern {value!r} has no named group, e.g. (?P<org_code>[^/]+)")
    return pattern


def parse_layout(entity: str, section: dict[str, Any], source: str) -> Layout:
    """One mapping section -> a validated Layout (``source`` names the file in errors)."""
    where = f"{source} [{entity}]"
    if not isinstance(section, dict):
        raise _fail(where, "must be a table")
    flat = not set(section) & set(KNOBS) and all(isinstance(v, str) for v in section.values())
    if not flat:
        _check_keys(section, set(KNOBS), where)
    headers = _headers(section, where)
    knobs: dict[str, Any] = {} if flat else section
    header_row = knobs.get("header_row", "auto")
    if header_row != "auto" and not (isinstance(header_row, int) and header_row >= 1):
        raise _fail(where, f'header_row must be "auto" or a row number from 1, got {header_row!r}')
    search = knobs.get("header_search_rows", 30)
    if not (isinstance(search, int) and search >= 1):
        raise _fail(where, f"header_search_rows must be a whole number from 1, got {search!r}")
    sep = knobs.get("thousands_separator", ",")
    if not isinstance(sep, str) or len(sep) > 1 or (sep and (sep in ".-+" or sep.isdigit())):
        raise _fail(where, f"thousands_separator must be '' or one character (not a digit, . + -): {sep!r}")
    constants = knobs.get("constants", {})
    if not isinstance(constants, dict) or not all(isinstance(v, str) for v in constants.values()):
        raise _fail(where, "constants must be a table of column = text value")
    layout = Layout(
        entity=entity,
        headers=headers,
        optional=frozenset(_str_list(knobs["optional"], where, "optional") if knobs.get("optional") else ()),
        header_row=None if header_row == "auto" else header_row,
        header_search_rows=search,
        thousands_separator=sep,
        total_row=_total_row(knobs["total_row"], where) if "total_row" in knobs else None,
        signed_amount=_signed(knobs["signed_amount"], where) if "signed_amount" in knobs else None,
        path_pattern=_pattern(knobs["path_pattern"], where) if "path_pattern" in knobs else None,
        constants=dict(constants),
        period_from=knobs.get("period_from") or None,
    )
    _check_columns(layout, where)
    return layout


def _check_columns(layout: Layout, where: str) -> None:
    """Knobs must name columns the layout produces."""
    mapped = set(layout.mapped)
    known = mapped | set(layout.derived)
    unknown_optional = sorted(layout.optional - mapped)
    if unknown_optional:
        raise _fail(where, f"optional names {unknown_optional[0]!r}, which no header maps to")
    s = layout.signed_amount
    if s:
        for key, col in (("column", s.column), ("direction", s.direction)):
            if col and col not in mapped:
                raise _fail(where, f"signed_amount.{key} {col!r} is not a column the headers map to")
        both = sorted({"debit", "credit"} & mapped)
        if both:
            raise _fail(where, f"with signed_amount, {both[0]!r} comes from the amount: map no header to it")
    t = layout.total_row
    if t:
        for key in ("column", "debit", "credit", "count"):
            col = getattr(t, key)
            if col and col not in known:
                raise _fail(where, f"total_row.{key} {col!r} is not a column of this layout")
    if layout.period_from and layout.period_from not in mapped:
        raise _fail(where, f"period_from {layout.period_from!r} is not a column the headers map to")


def load_layouts(path: Path) -> dict[str, Layout]:
    """Every section of a mapping file, validated."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LedgerbridgeError(f"GL mapping file not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LedgerbridgeError(f"cannot read the GL mapping {path}: {exc}") from None
    return {entity: parse_layout(entity, section, str(path)) for entity, section in data.items()}
