"""One run of a job: render a report for every recipient's scope, archive it, queue its deliveries —
or refresh the warehouse. A failure is recorded and retried with back-off (``runs.fail``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import zoneinfo
from collections.abc import Callable

import duckdb
import sqlalchemy as sa

from ledgerbridge.delivery.fanout import fan_out
from ledgerbridge.delivery.message import Attachment, Message
from ledgerbridge.reports import archive, content, periods, runs
from ledgerbridge.reports.context import Reporting
from ledgerbridge.reports.recipients import Recipient, Scope, resolve
from ledgerbridge.reports.render import MIME, render
from ledgerbridge.reports.render.text import word


def error_line(exc: BaseException) -> str:
    """An exception as one line of text."""
    return " ".join((str(exc) or type(exc).__name__).split())


def warehouse_version(con: duckdb.DuckDBPyConnection, ctx: Reporting) -> str:
    """The refresh run that built the warehouse, and when it was published."""
    try:
        run_id = con.execute("select max(run_id) from ops.dbt_results").fetchone()[0]
    except duckdb.Error:
        run_id = None
    stamp = dt.datetime.fromtimestamp(ctx.warehouse.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return f"{run_id or 'unknown build'} @ {stamp}"


def _closed_periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    try:
        return [
            r[0]
            for r in con.execute("select distinct period from core.dim_period where is_closed").fetchall()
        ]
    except duckdb.Error:
        return []


def _company_line(con: duckdb.DuckDBPyConnection, scope: Scope, ctx: Reporting) -> str:
    if scope.orgs is None:
        return ctx.settings.company or word("all_orgs", ctx.settings.language)
    try:
        names = dict(con.execute("select org_code, org_name from core.dim_org").fetchall())
    except duckdb.Error:
        names = {}
    return "、".join(names.get(o, o) for o in sorted(scope.orgs))


def execute(
    ctx: Reporting, run: runs.Run, now: dt.datetime, *, on_info: Callable[[str], None] = print
) -> str:
    """Do a claimed run; returns its new state (success, retrying or error)."""
    try:
        detail = ctx.refresh() if run.kind == "refresh" else _report(ctx, run, now)
    except Exception as exc:  # every failure of a run is recorded; the scheduler goes on
        current = runs.get(ctx.engine, run.run_id)
        if current and current.version is not None and run.kind == "report":
            discard(ctx.engine, current)
        return runs.fail(ctx.engine, run, now, error_line(exc), ctx.settings.retry_delay(run.attempt))
    if runs.succeed(ctx.engine, run, now, detail) and run.kind == "report":
        # only now does this version count as the newest good one
        for message in archive.prune(ctx.engine, run.job_id, ctx.report(run.job_id).retention.versions, now):
            on_info(message)
    return "success"


def discard(eng: sa.Engine, run: runs.Run) -> None:
    """Remove what a failed attempt archived, so nothing half-made can be downloaded."""
    shutil.rmtree(archive.version_dir(run.job_id, run.period, run.version), ignore_errors=True)
    with eng.begin() as con:
        con.execute(
            runs.report_files.delete().where(
                runs.report_files.c.run_id == run.run_id, runs.report_files.c.version == run.version
            )
        )
        con.execute(runs.job_runs.update().where(runs.job_runs.c.run_id == run.run_id).values(version=None))


def _report(ctx: Reporting, run: runs.Run, now: dt.datetime) -> str:
    report = ctx.report(run.job_id)
    settings = ctx.settings
    tz = report.timezone or settings.timezone
    reference = run.scheduled_at or now
    requester = ctx.users.recipient(run.requested_by) if run.requested_by else None
    # a recipient none of whose orgs the report covers gets nothing (not an empty report)
    recipients = [
        r for r in resolve(report.recipients, ctx.users) if r.scope.limit(report.orgs).orgs != frozenset()
    ]
    readers = recipients + ([requester] if requester else [])
    scopes = list(dict.fromkeys(r.scope.limit(report.orgs) for r in readers))
    with ctx.warehouse_connection() as con:
        spec = run.period or run.period_spec or report.period
        period = periods.resolve(spec, reference, tz, _closed_periods(con))
        as_of = reference.astimezone(zoneinfo.ZoneInfo(tz)).date() if spec == "month_to_date" else None
        params = periods.parameters(period, as_of)
        version_text = warehouse_version(con, ctx)
        runs.set_fields(ctx.engine, run, period=period, parameters=params, warehouse_version=version_text)
        run = dataclasses.replace(run, period=period)
        version = runs.next_version(ctx.engine, run)
        run = dataclasses.replace(run, version=version)
        by_scope: dict[str, list[archive.ArchivedFile]] = {}
        for scope in scopes or [Scope(report.orgs)]:
            c = content.build(
                report,
                period,
                params,
                scope,
                con,
                company=_company_line(con, scope, ctx),
                generated_at=now,
                warehouse_version=version_text,
                language=settings.language,
            )
            files = [f for fmt in report.formats for f in render(c, fmt)]
            by_scope[scope.key] = archive.store(ctx.engine, run, version, scope, files, now)
    if run.deliver:
        queue_deliveries(ctx, run, recipients, by_scope, now)
    total = sum(len(v) for v in by_scope.values())
    return f"{report.id} {period} v{version:03d}: {total} file(s) for {len(by_scope)} scope(s)"


def queue_deliveries(
    ctx: Reporting,
    run: runs.Run,
    recipients: list[Recipient],
    by_scope: dict[str, list[archive.ArchivedFile]],
    now: dt.datetime,
) -> None:
    """One mail per recipient with their scope's files; one notice per robot channel (no files)."""
    report = ctx.report(run.job_id)
    lang = ctx.settings.language
    title = report.title.get(lang)
    subject = f"{title} {run.period}"
    link = ctx.app_link(run=run.run_id)
    personal = []
    for r in recipients:
        files = by_scope.get(r.scope.limit(report.orgs).key, [])
        atts = tuple(
            Attachment(
                f.file_id, f.file_name, f.size_bytes, f.sha256, MIME[f.fmt], ctx.app_link(file=f.file_id)
            )
            for f in files
        )
        lines = [
            f"{r.name}：",
            f"{title}（{word('period', lang)} {run.period}）已生成 / is ready.",
            f"{word('scope', lang)}：{r.scope.key}",
            "",
        ]
        lines += [f"- {a.name} ({a.size:,} bytes, sha256 {a.sha256[:16]}…)" for a in atts]
        personal.append((r, Message(subject, "\n".join(lines), link, atts)))
    notice = Message(subject, f"{title}（{run.period}）已生成，请登录系统下载（按各自组织权限）。", link)
    fan_out(
        ctx.engine,
        ctx.channels,
        report.channels,
        personal,
        notice,
        key=f"report:{run.run_id}",
        source_kind="report",
        source_id=run.run_id,
        now=now,
    )


def request(
    ctx: Reporting,
    report_id: str,
    now: dt.datetime,
    *,
    period: str | None = None,
    requested_by: str | None = None,
    deliver: bool = False,
) -> runs.Run:
    """Run a report now (a manual run, one attempt); returns the finished run."""
    report = ctx.report(report_id)
    if period:
        periods.resolve(period, now, ctx.settings.timezone)  # validates an explicit period early
    run_id = runs.create(
        ctx.engine,
        job_id=report.id,
        kind="report",
        trigger="manual",
        now=now,
        max_attempts=1,
        period_spec=report.period,
        period=period,
        requested_by=requested_by,
        deliver=deliver,
    )
    claimed = runs.claim(ctx.engine, run_id, now)
    execute(ctx, claimed, now)
    return runs.get(ctx.engine, run_id)
