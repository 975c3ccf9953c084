"""The ``ledgerbridge`` command line: parse options, call the library, print.

Errors the user can act on (``LedgerbridgeError``, unreadable files, refused
connections) are reported as one red ``error: ...`` line and exit code 2;
``--debug`` (or ``LEDGERBRIDGE_DEBUG=1``) shows the full traceback instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ledgerbridge import console as out
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import sources_dir
from ledgerbridge.users_cli import audit_app, users_app

#: Exceptions reported as one line (with exit code 2) instead of a traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (LedgerbridgeError, OSError, ConnectionError)
ERROR_EXIT_CODE = 2


class _Group(TyperGroup):
    """Runs every subcommand under one error policy (see module docstring)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            if ctx.params.get("debug"):
                out.print_traceback(exc)
            else:
                out.print_error(exc)
            raise typer.Exit(ERROR_EXIT_CODE) from None


app = typer.Typer(
    cls=_Group,
    name="ledgerbridge",
    help="ledgerbridge (业财桥): ERP, GL and expense data in one reconciled warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar="LEDGERBRIDGE_DEBUG", help="Show full tracebacks on errors."),
    ] = False,
    profile_dir: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            envvar="LEDGERBRIDGE_PROFILE",
            help="Company profile folder (config.toml, GL mapping, seed overrides); default: the demo.",
        ),
    ] = None,
) -> None:
    """ledgerbridge (业财桥): ERP, GL and expense data in one reconciled warehouse."""
    from ledgerbridge import profile

    profile.select(profile_dir)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """``YYYY-MM-DD`` -> date; a clear one-line error for anything else."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LedgerbridgeError(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)") from None


@app.command()
def simulate(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    scale: Annotated[float, typer.Option(help="Data volume multiplier (1.0 = a small company).")] = 1.0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the generated sources  [default: data/sources]"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="YYYY-MM-DD", help="Last business day of the simulated history."),
    ] = None,
    erp_url: Annotated[
        str | None,
        typer.Option(
            "--erp-url",
            envvar="LEDGERBRIDGE_ERP_URL",
            help="Also write the ERP tables to this SQLAlchemy URL (e.g. postgresql://…).",
        ),
    ] = None,
    style: Annotated[
        str | None,
        typer.Option(
            "--style",
            help="House style of the simulated company: mingyuan (the demo) or qinghe (a second company, "
            "read with --profile profiles/qinghe).",
        ),
    ] = None,
    clean: Annotated[
        bool, typer.Option("--clean", help="Plant nothing: no anomaly, no bad row (a well-run company).")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the expense API from the output folder afterwards.")
    ] = False,
    host: Annotated[str, typer.Option(help="Expense API host (with --serve).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Expense API port (with --serve).")] = 8765,
    token: Annotated[
        str,
        typer.Option(envvar="LEDGERBRIDGE_EXPENSE_TOKEN", help="Expense API bearer token (with --serve)."),
    ] = "demo-token",
) -> None:
    """Generate the three demo source systems: ERP database, GL exports, expense API data."""
    as_of_date = parse_date(as_of, "--as-of")
    if not scale > 0:
        raise LedgerbridgeError(f"--scale: must be greater than 0, got {scale}")
    target = (out_dir or sources_dir()).expanduser()

    try:
        from ledgerbridge.simulator import SimulationConfig
        from ledgerbridge.simulator import simulate as run_simulation
    except ImportError as exc:
        raise LedgerbridgeError(f"the simulator is not available: {exc}") from exc

    config = SimulationConfig(
        seed=seed, scale=scale, out=target, as_of=as_of_date, erp_url=erp_url, style=style, clean=clean
    )
    out.print_info(f"Simulating sources (seed {seed}, scale {scale:g}) into {target}")
    with out.status("simulating…"):
        summary = run_simulation(config, progress=out.step_reporter())

    out.print_summary(
        "Generated sources",
        summary.tables,
        caption=f"{out.format_seconds(summary.seconds)} · peak memory {summary.peak_memory_mb:,.0f} MB",
    )
    where = Path(summary.out)
    entries = sorted(p.name + ("/" if p.is_dir() else "") for p in where.iterdir()) if where.is_dir() else []
    out.print_success(f"Sources written to {where}")
    if entries:
        out.print_info("  " + "  ".join(entries))
    if erp_url:
        out.print_info(f"ERP database also written to {out.redact_url(erp_url)}")

    if serve:
        try:
            from ledgerbridge.expense_api.server import serve_forever
        except ImportError as exc:
            raise LedgerbridgeError(f"the expense API server is not available: {exc}") from exc
        out.print_info(f"Expense API on http://{host}:{port} (bearer token from --token); Ctrl+C stops it")
        try:
            serve_forever(where, host, port, token)
        except KeyboardInterrupt:
            out.print_info("Expense API stopped")


@app.command()
def ingest(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Load only this source (erp, finance, expense); repeatable."),
    ] = None,
    sources_dir_opt: Annotated[
        Path | None,
        typer.Option("--sources-dir", help="Folder with the demo sources  [default: data/sources]"),
    ] = None,
    raw: Annotated[
        Path | None, typer.Option("--raw", help="Raw DuckDB file to load into  [default: data/raw.duckdb]")
    ] = None,
    accept_file: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-file",
            metavar="PATTERN",
            help="Apply this GL file's new version although it was held back (shrunk, unbalanced, "
            "total row, removed); a path in the GL folder or a glob; repeatable.",
        ),
    ] = None,
) -> None:
    """Load the ERP database, the GL exports and the expense API into the raw DuckDB file."""
    try:
        from ingestion import run_ingest
    except ImportError as exc:
        raise LedgerbridgeError(f"ingestion is not available: {exc}") from exc
    from ledgerbridge.runlock import run_lock

    def summary(report: Any) -> None:
        rows = []
        for s in report.sources:
            for t in s.tables:
                rows.append([f"{s.source}.{t.table}", t.rows, t.quarantined, "", ""])
            rate = s.rows / s.seconds if s.seconds and s.status == "success" else 0
            rows.append(
                [
                    f"{s.source} ({s.status})",
                    s.rows,
                    s.quarantined,
                    out.format_seconds(s.seconds),
                    f"{rate:,.0f}" if s.status == "success" else "-",
                ]
            )
        out.print_table("Ingestion", ["table", "rows", "quarantined", "seconds", "rows/s"], rows)

    out.print_info(f"Ingesting {', '.join(source) if source else 'all sources'}")
    try:
        with run_lock(), out.status("ingesting…"):
            report = run_ingest(
                source or None,
                sources_dir=sources_dir_opt,
                raw_path=raw,
                progress=out.step_reporter(),
                accept_files=accept_file,
            )
    except LedgerbridgeError as exc:
        if getattr(exc, "report", None) is not None:
            summary(exc.report)
            for warning in exc.report.warnings:
                out.print_warning(warning)
        raise
    summary(report)
    for warning in report.warnings:
        out.print_warning(warning)
    out.print_success(f"Loaded into {report.raw_path} in {out.format_seconds(report.seconds)}")


@app.command()
def run(
    sources_dir_opt: Annotated[
        Path | None,
        typer.Option("--sources-dir", help="Folder with the demo sources  [default: data/sources]"),
    ] = None,
    skip_ingest: Annotated[
        bool, typer.Option("--skip-ingest", help="Build from the raw file as it is (no ingestion).")
    ] = False,
    accept_file: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-file",
            metavar="PATTERN",
            help="Apply this held-back GL file's new version (see `ingest --accept-file`); repeatable.",
        ),
    ] = None,
) -> None:
    """Full refresh: ingest every source, dbt build with tests, publish the warehouse atomically."""
    from ledgerbridge.refresh import RefreshError, refresh

    def on_step(step: Any) -> None:
        ok = step.status != "failed"
        detail = step.detail or step.error
        out.print_step(f"{step.name} ({step.status})", step.rows, step.seconds, detail, ok=ok)

    def summary(result: Any) -> None:
        if result.rows_per_layer:
            out.print_summary("Rows per layer", result.rows_per_layer, name_header="layer")
        if result.tests:
            out.print_summary("dbt tests", result.tests, name_header="status", count_header="tests")
        for node in result.failed_nodes[:10]:
            out.print_warning(f"{node['node_name']}: {node['status']} {node['message'] or ''}".strip())
        for warning in result.warnings:
            out.print_warning(warning)
        out.print_table(
            "Seconds per step",
            ["step", "status", "seconds"],
            [[s.name, s.status, round(s.seconds, 2)] for s in result.steps],
        )

    out.print_info("Refreshing: ingest → dbt build → publish")
    try:
        result = refresh(
            sources_dir=sources_dir_opt,
            skip_ingest=skip_ingest,
            on_step=on_step,
            progress=out.step_reporter(),
            accept_files=accept_file,
        )
    except RefreshError as exc:
        summary(exc.result)
        raise
    summary(result)
    out.print_success(f"Published {result.published_path} in {out.format_seconds(result.seconds)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
) -> None:
    """Start the Streamlit app (read-only on the published warehouse)."""
    import subprocess
    import sys

    from ledgerbridge.paths import PROJECT_ROOT

    script = PROJECT_ROOT / "app" / "streamlit_app.py"
    if not script.exists():
        raise LedgerbridgeError(f"the app is not available: {script} does not exist")
    out.print_info(f"App on http://{host}:{port} (Ctrl+C stops it)")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # no developer menu or deploy button, no tracebacks in the browser (they stay in the log)
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
    ]
    try:
        subprocess.run(cmd, check=False)
    except KeyboardInterrupt:
        out.print_info("App stopped")


@app.command()
def statements(
    org: Annotated[str, typer.Option(help="Org code, or GROUP for the consolidated group")] = "GROUP",
    period: Annotated[str | None, typer.Option(help="Period YYYY-MM  [default: the latest]")] = None,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
    warehouse: Annotated[
        Path | None, typer.Option(help="Warehouse file  [default: data/warehouse.duckdb]")
    ] = None,
) -> None:
    """Print the balance sheet, income statement and cash flow statement of an org or the group."""
    from ledgerbridge.paths import warehouse_path
    from ledgerbridge.statements import latest_period, printed

    wh = warehouse or warehouse_path()
    if not wh.exists():
        raise LedgerbridgeError(f"{wh} does not exist: run `ledgerbridge run` first")
    period = period or latest_period(wh)
    tables = printed(wh, org, period, "en" if lang == "en" else "zh")
    if not tables:
        raise LedgerbridgeError(f"no statements for {org} in {period}")
    for title, headers, rows in tables:
        out.print_table(title, headers, rows)


recon_app = typer.Typer(help="Reconciliation of the business view against the books.", no_args_is_help=True)
vouchers_app = typer.Typer(help="Voucher proposals for what never reached the GL.", no_args_is_help=True)
app.add_typer(recon_app, name="recon")
app.add_typer(vouchers_app, name="vouchers")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")


@recon_app.command("score")
def recon_score(
    warehouse: Annotated[
        Path | None, typer.Option(help="Warehouse file  [default: data/warehouse.duckdb]")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Ground truth  [default: data/sources/ground_truth.parquet]")
    ] = None,
) -> None:
    """Compare the reconciliation with the simulator's ground truth: precision and recall per anomaly."""
    from ledgerbridge.paths import warehouse_path
    from ledgerbridge.scorecard import score

    wh = warehouse or warehouse_path()
    gt = truth or sources_dir() / "ground_truth.parquet"
    for path, hint in ((wh, "run `ledgerbridge run`"), (gt, "run `ledgerbridge simulate`")):
        if not path.exists():
            raise LedgerbridgeError(f"{path} does not exist: {hint} first")
    card = score(wh, gt)
    out.print_table(
        "Recall per planted anomaly",
        ["anomaly", "expected status", "planted", "found", "recall"],
        [
            [r.anomaly, r.expected_status, r.planted, r.found, f"{r.recall:.1%}"]
            for r in card.per_anomaly.itertuples()
        ],
    )
    out.print_table(
        "Precision per flagged status",
        ["status", "flagged", "correct", "precision"],
        [[r.recon_status, r.flagged, r.correct, f"{r.precision:.1%}"] for r in card.per_status.itertuples()],
    )
    out.print_summary("Items per status", card.status_counts, name_header="status", count_header="items")
    out.print_table(
        "Figures of merit",
        ["figure", "value"],
        [
            ["auto-match rate (count)", f"{card.auto_match_rate_count:.2%}"],
            ["auto-match rate (amount)", f"{card.auto_match_rate_amount:.2%}"],
            ["proposals generated", card.proposals],
            ["unbalanced proposals (must be 0)", card.unbalanced_proposals],
            ["events with no proposal (voucher_unposted)", card.unposted],
        ],
    )


@vouchers_app.command("export")
def vouchers_export(
    period: Annotated[str | None, typer.Option(help="Target period YYYY-MM (default: all).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, csv or json.")] = "xlsx",
    output: Annotated[
        Path | None, typer.Option("--out", help="File to write  [default: data/exports/…]")
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="Warehouse file  [default: data/warehouse.duckdb]")
    ] = None,
) -> None:
    """Export proposed vouchers in the finance import layout (proposal id in 参考信息)."""
    from ledgerbridge.paths import data_dir, warehouse_path
    from ledgerbridge.vouchers import export_bytes, proposal_lines

    lines = proposal_lines(warehouse or warehouse_path(), period)
    data = export_bytes(lines, fmt)
    target = output or data_dir() / "exports" / f"voucher_proposals_{period or 'all'}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    out.print_success(f"{lines['proposal_id'].nunique()} vouchers ({len(lines)} lines) written to {target}")


@app.command()
def bench(
    scale: Annotated[float, typer.Option(help="Data volume multiplier to benchmark.")] = 10.0,
    stages: Annotated[
        str | None,
        typer.Option(help="Comma-separated stages: simulate,ingest,run,recon,app  [default: all]"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated sources.")] = 42,
) -> None:
    """Measure a full run at a data scale: seconds, rows/s and peak memory per stage."""
    from ledgerbridge.bench import bench_dir, detail_rows, parse_stages, run_bench

    if not scale > 0:
        raise LedgerbridgeError(f"--scale: must be greater than 0, got {scale}")
    wanted = parse_stages(stages)
    out.print_info(f"Benchmark at scale {scale:g} (seed {seed}) in {bench_dir(scale)}: {', '.join(wanted)}")

    def report(r) -> None:
        if r.status == "ok":
            out.print_success(
                f"{r.stage}: {out.format_seconds(r.seconds)}, {r.rows:,} rows, "
                f"peak {r.peak_memory_mb:,.0f} MB"
            )
        elif r.status == "skipped":
            out.print_info(f"- {r.stage}: skipped ({r.detail})")
        else:
            out.print_warning(f"{r.stage}: failed after {out.format_seconds(r.seconds)}: {r.detail}")

    result, path = run_bench(scale, wanted, seed, on_stage=report)
    out.print_table(
        f"Benchmark · scale {scale:g}",
        ["stage", "status", "seconds", "rows", "rows/s", "peak MB"],
        [
            [
                r.stage,
                r.status,
                round(r.seconds, 2),
                r.rows,
                round(r.rows_per_second),
                round(r.peak_memory_mb),
            ]
            for r in result.stages
        ],
    )
    out.print_table(f"Details · scale {scale:g}", ["figure", "unit", "value"], detail_rows(result))
    out.print_success(f"Results written to {path}")
    if any(r.status == "failed" for r in result.stages):
        raise typer.Exit(1)


sources_app = typer.Typer(help="The source systems a company connects.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("check")
def sources_check(
    sources_dir_opt: Annotated[
        Path | None,
        typer.Option("--sources-dir", help="Folder with the sources  [default: data/sources]"),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Check only this source (erp, finance, expense); repeatable."),
    ] = None,
) -> None:
    """Check the configuration (--profile) against the sources before a first run: tables, files,
    endpoints, column mapping, document-number patterns, party codes. Loads nothing."""
    from ingestion.source_check import check_sources
    from ledgerbridge import profile

    out.print_info(f"Checking the sources ({profile.describe()})")
    report = check_sources((sources_dir_opt or sources_dir()).expanduser(), source or None)
    for section in report.sections:
        if section.rows:
            out.print_table(section.title, section.columns, section.rows)
        else:
            out.print_info(f"{section.title}: nothing found")
        for note in section.notes:
            out.print_info(f"  {note}")
        for problem in section.problems:
            out.print_warning(problem)
    if not report.ok:
        out.print_warning(f"{len(report.problems)} problem(s) to fix before the first run")
        raise typer.Exit(1)
    out.print_success("The sources fit the configuration")


# --- scheduled reports, delivery and alerts (ledgerbridge.reports) ----------------------------------
from ledgerbridge.reports.commands import report_app, scheduler  # noqa: E402

app.add_typer(report_app, name="report")
app.command("scheduler")(scheduler)


if __name__ == "__main__":  # pragma: no cover
    app()
