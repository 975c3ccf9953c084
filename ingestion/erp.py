"""ERP database source: dlt ``sql_database`` (``sql_table`` per table), any SQLAlchemy URL.

Tables, keys and cursors come from ``[sources.erp.tables.*]``. Every table is merged on its
primary key and read incrementally from the newest cursor value (``updated_at``) among the rows
already loaded (``ingestion.cursors``); the newest version of a row wins.

Backend: SQLite, PostgreSQL and MySQL/MariaDB are read with ConnectorX (Rust, straight into Arrow:
about 5x faster than SQLAlchemy row tuples -> Arrow); any other dialect uses dlt's pyarrow
backend. ``[sources.erp] backend = "pyarrow"`` forces the SQLAlchemy path.
"""

from __future__ import annotations

from typing import Any

import dlt
import pyarrow as pa
import sqlalchemy as sa
from dlt.sources.sql_database import sql_table

from ingestion.config import IngestConfig, TableSpec
from ingestion.context import RunContext
from ingestion.cursors import CursorStart


def _sqlite_fast_types(table: sa.Table) -> sa.Table:
    """SQLite keeps NUMERIC as REAL: read it as a float (no per-value Decimal conversion, about
    4x faster) and let the Arrow cast round it to the exact decimal of the contract."""
    for col in table.columns:
        if isinstance(col.type, sa.Numeric) and not isinstance(col.type, sa.Float):
            col.type = sa.Float()
    return table


#: SQLAlchemy dialects ConnectorX reads (and the URL scheme dlt hands it after dropping the driver).
CONNECTORX_DIALECTS = {"sqlite", "postgresql", "mysql", "mariadb"}


def _query_adapter(spec: TableSpec, start: CursorStart, real_numerics: bool) -> Any:
    """The table's query: from the cursor start on (rows without a cursor value every time), and
    for SQLite read by ConnectorX, NUMERIC columns as REAL: ConnectorX reads SQLite columns by
    their declared type and refuses REAL values in a NUMERIC column (the Arrow cast rounds them to
    the contract's decimal; ``_sqlite_fast_types`` has turned their reflected type into Float)."""

    def adapt(query: Any, table: sa.Table) -> Any:
        if real_numerics:
            numerics = [c for c in table.columns if isinstance(c.type, sa.Numeric)]
            query = query.with_only_columns(
                *(sa.cast(c, sa.Float).label(c.name) if c in numerics else c for c in table.columns)
            )
            # ConnectorX types a SQLite column by its first value: rows with numbers come first
            # (a NULL first - a service line's quantity - would fail the whole read)
            query = query.order_by(*(c.is_(None) for c in numerics))
        if start.value is not None and spec.cursor in table.c:
            cursor = table.c[spec.cursor]
            since = [cursor >= start.value, cursor.is_(None)]
            if start.missed:  # rows the source has that an incremental read would skip
                key = [table.c[k] for k in spec.primary_key]
                since.append(
                    (key[0] if len(key) == 1 else sa.tuple_(*key)).in_(
                        [m[0] for m in start.missed] if len(key) == 1 else start.missed
                    )
                )
            query = query.where(sa.or_(*since))
        return query

    return adapt


def _backend(cfg: IngestConfig, engine: sa.Engine) -> str:
    configured = str(cfg.value("erp", "backend", "auto"))
    if configured != "auto":
        return configured
    if engine.dialect.name in CONNECTORX_DIALECTS:
        try:
            import connectorx  # noqa: F401
        except ImportError:
            return "pyarrow"
        return "connectorx"
    return "pyarrow"


def _checker(ctx: RunContext, spec: TableSpec, location: str, start: CursorStart) -> Any:
    def check(item: pa.Table) -> Any:
        good = start.drop_boundary(ctx.conform(item, spec, location, count=False), spec)
        ctx.count(spec.name, good.num_rows)
        yield good

    return check


def _numbers_everywhere(
    engine: sa.Engine, table: str, schema: str | None, spec: TableSpec, start: CursorStart
) -> bool:
    """Whether every NUMERIC column of a SQLite table has a number among the rows this load
    reads (ConnectorX cannot type a column that is NULL throughout; such a table is read with
    the pyarrow backend instead)."""
    t = sa.Table(table, sa.MetaData(), schema=schema, autoload_with=engine)
    numerics = [c for c in t.columns if isinstance(c.type, sa.Numeric)]
    if not numerics:
        return True
    query = sa.select(*(sa.func.max(sa.case((c.is_not(None), 1), else_=0)) for c in numerics))
    if start.value is not None and spec.cursor in t.c:
        query = query.where(sa.or_(t.c[spec.cursor] >= start.value, t.c[spec.cursor].is_(None)))
    with engine.connect() as con:
        row = con.execute(query.select_from(t)).one()
    return all(v != 0 for v in row)  # 1: a number somewhere; None: no rows to read


def erp_resources(cfg: IngestConfig, ctx: RunContext, url: str) -> list[Any]:
    """One dlt resource per configured ERP table."""
    engine = sa.create_engine(url)
    is_sqlite = engine.dialect.name == "sqlite"
    schema = cfg.value("erp", "schema") or None
    chunk = int(cfg.value("erp", "chunk_size", 100_000))
    configured_backend = _backend(cfg, engine)
    out = []
    for spec in cfg.tables("erp"):
        source_table = spec.options.get("source_table", spec.name)
        start = ctx.starts.get(spec.name, CursorStart())
        backend = configured_backend
        if (
            is_sqlite
            and backend == "connectorx"
            and not _numbers_everywhere(engine, source_table, schema, spec, start)
        ):
            backend = "pyarrow"
        res = sql_table(
            credentials=engine,
            table=source_table,
            schema=schema,
            backend=backend,
            chunk_size=chunk,
            reflection_level="full",
            table_adapter_callback=_sqlite_fast_types if is_sqlite else None,
            query_adapter_callback=_query_adapter(spec, start, is_sqlite and backend == "connectorx"),
            primary_key=spec.primary_key,
            write_disposition="merge",
        )
        # each table's query runs in dlt's extract thread pool: ConnectorX releases the GIL, so
        # the next table is read while the last one is validated and written
        res = res.with_name(f"{spec.name}__rows").parallelize()
        present = list(res.columns) if isinstance(res.columns, dict) else None
        if present:
            ctx.columns[spec.name] = present

        # the typed, validated table is a transformer on the raw reader: the reader keeps the
        # database's own types; the transformer carries the contract
        typed = dlt.transformer(
            _checker(ctx, spec, source_table, start),
            name=spec.name,
            primary_key=spec.primary_key,
            write_disposition="merge",
            columns=spec.dlt_columns(present),
        )
        res = res | typed
        out.append(res)
    return out


def erp_keys(url: str, cfg: IngestConfig, specs: list[TableSpec]) -> dict[str, pa.Table]:
    """The primary keys of ERP tables as they are now (for the deletion check), in the contract's
    types; read with ConnectorX straight into Arrow where it can, else through SQLAlchemy."""
    if not specs:
        return {}
    engine = sa.create_engine(url)
    meta = sa.MetaData(schema=cfg.value("erp", "schema") or None)
    connectorx = _backend(cfg, engine) == "connectorx"
    out = {}
    try:
        with engine.connect() as con:
            for spec in specs:
                table = sa.Table(spec.options.get("source_table", spec.name), meta, autoload_with=con)
                query = sa.select(*(table.c[k] for k in spec.primary_key))
                if connectorx:
                    import connectorx as cx

                    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
                    plain = engine.url._replace(drivername=engine.url.get_backend_name())
                    keys = cx.read_sql(plain.render_as_string(hide_password=False), sql, return_type="arrow")
                    columns = [keys.column(i).combine_chunks() for i in range(keys.num_columns)]
                else:
                    rows = con.execute(query).fetchall()
                    columns = (
                        [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * len(spec.primary_key)
                    )
                out[spec.name] = pa.table(
                    {
                        k: _as_kind(v, spec.arrow_type(k))
                        for k, v in zip(spec.primary_key, columns, strict=True)
                    }
                )
    finally:
        engine.dispose()
    return out


def _as_kind(values: list[Any] | pa.Array, t: pa.DataType) -> pa.Array:
    """Key values in the contract's type, so they compare as the loaded keys do."""
    arr = values if isinstance(values, pa.Array) else pa.array(values)
    try:
        return arr.cast(t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return arr
