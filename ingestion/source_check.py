"""``ledgerbridge sources check``: a customer's configuration and source folder checked before the
first run, as a report to read (not a traceback): which ERP tables, GL files and API endpoints
were found, how the GL headers mapped (and which required ones are missing), how many GL lines
each document-number pattern matches, and which party codes the GL uses that the ERP does not
know. Nothing is loaded and nothing is written."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.config import IngestConfig, TableSpec
from ledgerbridge import profile

PATTERN_SEED = "document_number_patterns.csv"
#: GL text columns a document number may be written in, in order of trust
DOCUMENT_COLUMNS = ("document_ref", "reference", "remark", "summary")
PARTY_COLUMNS = {"supplier": ("supplier_code", "suppliers"), "customer": ("customer_code", "customers")}
PARTY_WORDS = {"供应商": "supplier", "supplier": "supplier", "客户": "customer", "customer": "customer"}


@dataclass
class Section:
    """One part of the report: a table to show, and what needs fixing."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """The whole report; ``ok`` when nothing needs fixing."""

    sections: list[Section] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [p for s in self.sections for p in s.problems]

    @property
    def ok(self) -> bool:
        return not self.problems

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


# -- ERP ---------------------------------------------------------------------------------------


def check_erp(cfg: IngestConfig, sources_dir: Path) -> tuple[Section, dict[str, pa.Table]]:
    """The configured ERP tables: found, rows, key and cursor columns; the party master codes."""
    import sqlalchemy as sa

    from ingestion.runner import erp_url

    sec = Section("ERP tables", ["table", "source table", "rows", "key", "cursor"])
    masters: dict[str, pa.Table] = {}
    try:
        url = erp_url(cfg, sources_dir)
        engine = sa.create_engine(url)
        inspector = sa.inspect(engine)
        schema = cfg.value("erp", "schema") or None
        present = set(inspector.get_table_names(schema=schema)) | set(inspector.get_view_names(schema=schema))
    except Exception as exc:
        sec.problems.append(f"erp: cannot connect: {_one_line(exc)}")
        return sec, masters
    sec.notes.append(f"database: {engine.url.render_as_string(hide_password=True)}")
    with engine.connect() as con:
        for spec in cfg.tables("erp"):
            name = spec.options.get("source_table", spec.name)
            if name not in present:
                sec.rows.append([spec.name, name, "-", "-", "-"])
                sec.problems.append(f"erp.{spec.name}: table {name!r} not found in the ERP database")
                continue
            cols = {c["name"] for c in inspector.get_columns(name, schema=schema)}
            table = sa.Table(name, sa.MetaData(schema=schema), autoload_with=con)
            rows = con.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            missing_key = [k for k in spec.primary_key if k not in cols]
            cursor_ok = not spec.cursor or spec.cursor in cols
            key = "ok" if not missing_key else "missing " + ", ".join(missing_key)
            cursor = (spec.cursor or "-") + ("" if cursor_ok else " (missing)")
            sec.rows.append([spec.name, name, rows, key, cursor])
            if missing_key:
                sec.problems.append(f"erp.{spec.name}: key column(s) {', '.join(missing_key)} not in {name}")
            if not cursor_ok:
                sec.problems.append(f"erp.{spec.name}: cursor column {spec.cursor!r} not in {name}")
            for party, (code_col, master) in PARTY_COLUMNS.items():
                if spec.name == master and code_col in cols:
                    pick = [table.c[code_col], *([table.c["tax_id"]] if "tax_id" in cols else [])]
                    found = con.execute(sa.select(*pick)).fetchall()
                    masters[party] = pa.table(
                        {
                            "code": [r[0] for r in found],
                            "tax_id": [r[1] if len(r) > 1 else None for r in found],
                        }
                    )
    engine.dispose()
    return sec, masters


# -- GL ----------------------------------------------------------------------------------------


def _read_gl_file(
    fs: Any, path: str, rel: str, spec: TableSpec, encoding: str, root: str
) -> tuple[pa.Table, int, dict[str, str | None]]:
    """One GL file in canonical columns, its header row, and the header each column came from."""
    from ingestion.gl_read import read_sheet
    from ingestion.gl_shape import NUMERIC_KINDS, shape

    with fs.open(path, "rb") as fh:
        data = fh.read()
    suffix = PurePosixPath(rel).suffix.lower()
    where = f"{root}/{rel}"
    sheet = read_sheet(
        data, suffix, encoding=encoding, sheet=spec.options.get("sheet", 0), layout=spec.layout, where=where
    )
    numeric = {c for c, k in spec.kinds.items() if k in NUMERIC_KINDS}
    shaped = shape(sheet, spec.layout, rel, numeric)
    table = shaped.table
    headers = set(sheet.table.column_names)
    mapped = {c: next((h for h in spec.layout.aliases(c) if h in headers), None) for c in spec.layout.mapped}
    return table, sheet.header_row, mapped


def check_gl(cfg: IngestConfig, sources_dir: Path) -> tuple[list[Section], dict[str, pa.Table]]:
    """The GL files per entity: found, header row, lines, mapped and missing columns."""
    import fsspec

    from ingestion.gl_read import LayoutError
    from ingestion.runner import gl_url

    files_sec = Section("GL files", ["entity", "file pattern", "files", "lines", "header rows", "unreadable"])
    map_sec = Section("GL column mapping", ["entity", "column", "header found", "required"])
    tables: dict[str, pa.Table] = {}
    url, root = gl_url(cfg, sources_dir)
    try:
        specs = cfg.tables("finance")
    except Exception as exc:  # the mapping file itself is wrong: one clear line
        files_sec.problems.append(_one_line(exc))
        return [files_sec, map_sec], tables
    fs, base = fsspec.core.url_to_fs(url)
    if not fs.exists(base):
        files_sec.problems.append(f"finance: GL export folder not found: {url}")
        return [files_sec, map_sec], tables
    files_sec.notes.append(f"folder: {url}; mapping: {cfg.mapping_path}")
    encoding = cfg.value("finance", "encoding", "auto")
    for spec in specs:
        paths = sorted(fs.glob(f"{base.rstrip('/')}/{spec.options['file_glob']}"))
        if not paths:
            files_sec.notes.append(f"{spec.name}: no file matches {spec.options['file_glob']!r}")
        seen: dict[str, str | None] = {}
        parts = []
        header_rows: set[int] = set()
        bad = 0
        for path in paths:
            rel = PurePosixPath(path).relative_to(PurePosixPath(base.rstrip("/"))).as_posix()
            try:
                table, header_row, mapped = _read_gl_file(fs, path, rel, spec, encoding, root)
            except Exception as exc:  # one file's problem is reported, the others are still checked
                bad += 1
                files_sec.problems.append(f"finance: {_one_line(exc)}" if isinstance(exc, LayoutError) else
                                          f"finance: cannot read {root}/{rel}: {_one_line(exc)}")  # fmt: skip
                continue
            header_rows.add(header_row)
            parts.append(table)
            for col, header in mapped.items():
                seen[col] = seen.get(col) or header
        lines = sum(t.num_rows for t in parts)
        rows_text = ", ".join(str(h) for h in sorted(header_rows)) or "-"
        files_sec.rows.append([spec.name, spec.options["file_glob"], len(paths), lines, rows_text, bad])
        for col in spec.layout.mapped:
            required = col in spec.layout.required
            map_sec.rows.append(
                [spec.name, col, seen.get(col) or "(none)", "yes" if required else "optional"]
            )
        if parts:
            tables[spec.name] = pa.concat_tables(parts, promote_options="permissive")
    return [files_sec, map_sec], tables


# -- document-number patterns --------------------------------------------------------------------


def pattern_seed() -> Path | None:
    """The document-number pattern seed of the active profile, else the default one (or None)."""
    for path in profile.seed_overrides():
        if path.name == PATTERN_SEED:
            return path
    default = profile.DEFAULT_SEEDS / PATTERN_SEED
    return default if default.is_file() else None


def check_patterns(lines: pa.Table | None) -> Section:
    """How many GL lines each configured pattern matches, in which columns."""
    sec = Section(
        "Document-number patterns", ["document type", "pattern", "GL lines matched", "columns", "description"]
    )
    seed = pattern_seed()
    if seed is None:
        sec.problems.append(
            f"no {PATTERN_SEED} among the seeds (profile seeds/ folder or the defaults): GL lines cannot be "
            "linked to their documents by number"
        )
        return sec
    with seed.open(encoding="utf-8-sig", newline="") as fh:
        patterns = list(csv.DictReader(fh))
    sec.notes.append(f"patterns: {seed}")
    cols = [c for c in DOCUMENT_COLUMNS if lines is not None and c in lines.column_names]
    con = duckdb.connect()
    if lines is not None:
        con.register("gl_lines", lines.select(cols) if cols else pa.table({"x": [None]}))
    for p in patterns:
        doc_type, pattern = p.get("document_type", ""), p.get("pattern", "")
        if not cols:
            sec.rows.append([doc_type, pattern, 0, "-", p.get("description", "")])
            continue
        try:
            hits = con.execute(
                "select "
                + ", ".join(f"count(*) filter (where regexp_matches({c}, ?))" for c in cols)
                + ", count(*) filter (where "
                + " or ".join(f"regexp_matches({c}, ?)" for c in cols)
                + ") from gl_lines",
                [pattern] * (2 * len(cols)),
            ).fetchone()
        except duckdb.Error as exc:
            sec.rows.append([doc_type, pattern, "-", "-", p.get("description", "")])
            sec.problems.append(
                f"pattern {pattern!r} ({doc_type}) is not a valid regular expression: {_one_line(exc)}"
            )
            continue
        where = ", ".join(f"{c} {n:,}" for c, n in zip(cols, hits[:-1], strict=True) if n)
        sec.rows.append([doc_type, pattern, hits[-1], where or "-", p.get("description", "")])
        if not hits[-1]:
            sec.notes.append(f"pattern {pattern!r} ({doc_type}) matches no GL line")
    con.close()
    return sec


# -- party codes -------------------------------------------------------------------------------


def _code_mappings() -> set[tuple[str, str]]:
    name = "code_mappings.csv"
    path = next((p for p in profile.seed_overrides() if p.name == name), profile.DEFAULT_SEEDS / name)
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {(r.get("party_type", ""), r.get("gl_code", "")) for r in csv.DictReader(fh)}


def check_parties(lines: pa.Table | None, parties: pa.Table | None, masters: dict[str, pa.Table]) -> Section:
    """GL party codes the ERP master does not know (by code, by a code mapping, or by tax id)."""
    sec = Section("GL party codes not in the ERP", ["party", "GL code", "GL lines", "GL name"])
    if lines is None:
        return sec
    mapped = _code_mappings()
    gl_tax: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    if parties is not None and {"party_type", "gl_code"} <= set(parties.column_names):
        for r in parties.to_pylist():
            kind = PARTY_WORDS.get(str(r.get("party_type") or "").strip().lower(), "")
            gl_tax[(kind, str(r.get("gl_code") or "").strip())] = (r.get("tax_id"), r.get("party_name"))
    for party, (col, _) in PARTY_COLUMNS.items():
        if col not in lines.column_names:
            continue
        if party not in masters:
            sec.notes.append(f"{party} codes not checked: no ERP master table for them")
            continue
        known = {str(c).strip() for c in masters[party].column("code").to_pylist() if c}
        taxes = {str(t).strip() for t in masters[party].column("tax_id").to_pylist() if t}
        counts: dict[str, int] = {}
        for code in lines.column(col).to_pylist():
            if code and str(code).strip():
                counts[str(code).strip()] = counts.get(str(code).strip(), 0) + 1
        for code, n in sorted(counts.items()):
            tax, name = gl_tax.get((party, code), (None, None))
            if code in known or (party, code) in mapped or (tax and str(tax).strip() in taxes):
                continue
            sec.rows.append([party, code, n, name or ""])
    if sec.rows:
        sec.notes.append(
            f"{len(sec.rows)} GL code(s) map to no ERP party: add them to seeds/code_mappings.csv "
            "(party_type, gl_code, erp_code) or give the GL party the ERP's tax id"
        )
    return sec


# -- expense API -------------------------------------------------------------------------------


def check_expense(cfg: IngestConfig, sources_dir: Path) -> Section:
    """Each configured endpoint: does it answer, and with how many records."""
    from ingestion.expense import api_client, endpoint_path
    from ingestion.runner import expense_endpoint, expense_token

    sec = Section("Expense API endpoints", ["endpoint", "path", "answer", "records"])
    token = expense_token(cfg)
    try:
        with expense_endpoint(cfg, sources_dir, token) as base_url:
            sec.notes.append(f"API: {base_url}")
            client = api_client(cfg, base_url, token)
            for spec in cfg.tables("expense"):
                try:
                    response = client.session.get(
                        client.base_url + endpoint_path(spec), params={"page_size": 1},
                        headers={"Authorization": f"Bearer {token}"},
                    )  # fmt: skip
                    if response.status_code != 200:
                        sec.rows.append([spec.name, endpoint_path(spec), f"HTTP {response.status_code}", "-"])
                        sec.problems.append(
                            f"expense.{spec.name}: HTTP {response.status_code} from {endpoint_path(spec)}"
                        )
                        continue
                    body = response.json()
                    total = body.get("total", len(body.get("data", [])))
                    sec.rows.append([spec.name, endpoint_path(spec), "ok", total])
                except Exception as exc:
                    sec.rows.append([spec.name, endpoint_path(spec), "no answer", "-"])
                    sec.problems.append(f"expense.{spec.name}: {_one_line(exc)}")
    except Exception as exc:
        sec.problems.append(f"expense: {_one_line(exc)}")
    return sec


def check_sources(sources_dir: Path, sources: list[str] | None = None) -> CheckReport:
    """Check the active configuration against a source folder (see the module docstring)."""
    cfg = IngestConfig.load()
    names = list(sources or cfg.source_order)
    report = CheckReport()
    masters: dict[str, pa.Table] = {}
    if "erp" in names:
        erp, masters = check_erp(cfg, sources_dir)
        report.sections.append(erp)
    if "finance" in names:
        gl_sections, gl = check_gl(cfg, sources_dir)
        report.sections += gl_sections
        lines = gl.get("gl_voucher_lines")
        report.sections.append(check_patterns(lines))
        report.sections.append(check_parties(lines, gl.get("gl_counterparties"), masters))
    if "expense" in names:
        report.sections.append(check_expense(cfg, sources_dir))
    return report
