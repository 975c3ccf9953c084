"""The SQL console's guard: one SELECT over allowed models, every model reference
rewritten to its org-filtered view (:mod:`app.lib.scoping`).

The statement is parsed with sqlglot (DuckDB dialect) and regenerated from the
parse tree, so comments and quoting tricks do not survive into what runs. Refused:
anything but a single query; table functions other than ``range`` /
``generate_series`` / ``unnest``; functions that read files or reveal settings,
paths or the catalog; other schemas and catalogs; names that are not allowed
models; CTE names that shadow a model; parameters. Every table reference — in
CTEs, subqueries, UNION branches, joins, LATERAL — that is not a CTE is replaced
by the model's ``lb_<schema>__<model>`` view, keeping its alias (or its name as
the alias, so ``trial_balance.org_code`` still resolves).

The worker checks the result once more with DuckDB's own parser before it runs
(:mod:`app.lib.console_worker`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from app.lib.scoping import VIEW_PREFIX, view_name

MAX_SQL_CHARS = 20_000

#: Table functions an analyst may use in FROM (they read nothing).
ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
#: Functions refused anywhere: file and network reads, settings, catalog and environment.
DENIED_FUNCTION = re.compile(
    r"^(read_\w*|\w*_scan|parquet_\w*|sniff_\w*|glob|query|query_table|current_setting|getenv|duckdb_\w*|"
    r"pragma_\w*|current_database|current_catalog|current_schemas?|which_secret|load_\w*|"
    r"install_\w*|checkpoint|force_checkpoint|icu_\w*|json_serialize_\w*|json_deserialize_\w*|"
    r"has_\w*_privilege|pg_\w*|to_json_file|\w*_extension\w*|getvariable|set_variable|make_secret)$",
    re.IGNORECASE,
)
#: Statement and clause nodes that never belong in a read-only query.
_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, n)
    for n in (
        "Command", "Pragma", "Describe", "Summarize", "Set", "Use", "Create", "Insert", "Update", "Delete",
        "Drop", "Alter", "Copy", "Into", "Merge", "Transaction", "Commit", "Rollback", "Attach", "Detach",
        "Install", "Load", "Export", "Show", "Placeholder", "Parameter", "SessionParameter", "LoadData",
    )
    if hasattr(exp, n)
)  # fmt: skip
#: Table arguments kept when a reference is rewritten; any other (time travel, partitions …) is refused.
_TABLE_ARGS = frozenset({"this", "db", "alias", "sample", "pivots", "joins", "laterals"})


class Refused(ValueError):
    """The console will not run this statement; the message says why, for the analyst."""


@dataclass(frozen=True)
class Guarded:
    """What the worker runs: the rewritten SQL, the views it reads, and its CTE names."""

    sql: str
    views: dict[str, tuple[str, str]]  # view name -> (schema, model)
    ctes: frozenset[str]


#: model name (lower case) -> the (schema, model) pairs an analyst may read under that name
Models = Mapping[str, Sequence[tuple[str, str]]]


def _parse(text: str) -> exp.Expression:
    try:
        stmts = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except SqlglotError as exc:
        raise Refused(f"syntax error: {str(exc).splitlines()[0][:300]}") from None
    if len(stmts) != 1:
        raise Refused("one statement at a time")
    return stmts[0]


def _function_name(node: exp.Func) -> str:
    return node.name if isinstance(node, exp.Anonymous) else node.sql_name()


def _resolve(table: exp.Table, models: Models) -> tuple[str, str]:
    name = table.name.lower()
    schema = (table.db or "").lower()
    pairs = list(models.get(name, ()))
    if schema:
        pairs = [p for p in pairs if p[0].lower() == schema]
    if not pairs:
        where = f"{schema}.{name}" if schema else name
        raise Refused(f"{where} is not a model the console may read (see the model list)")
    if len(pairs) > 1:
        raise Refused(f"{name} exists in several schemas; write schema.{name}")
    return pairs[0]


def guard(sql: str, models: Models) -> Guarded:
    """The rewritten statement, or :class:`Refused` with the reason."""
    text = (sql or "").strip()
    if not text.rstrip(";").strip():
        raise Refused("empty query")
    if len(text) > MAX_SQL_CHARS:
        raise Refused(f"the query is longer than {MAX_SQL_CHARS:,} characters")
    root = _parse(text)
    if not isinstance(root, exp.Query):
        raise Refused(f"only SELECT queries are allowed (got {root.key.upper()})")

    ctes: set[str] = set()
    tables: list[exp.Table] = []
    for node in root.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise Refused(f"{node.key.upper()} is not allowed in the console")
        if isinstance(node, exp.CTE):
            ctes.add(node.alias_or_name.lower())
        elif isinstance(node, exp.Func):
            fname = _function_name(node)
            if DENIED_FUNCTION.fullmatch(fname):
                raise Refused(f"{fname}() is not allowed: no file, setting or catalog access in the console")
        if isinstance(node, exp.Table):
            tables.append(node)
    model_names = set(models)
    for c in ctes:
        if c in model_names or c.startswith(VIEW_PREFIX):
            raise Refused(f"a CTE may not be called {c!r}: that name belongs to a model")

    views: dict[str, tuple[str, str]] = {}
    for table in tables:
        target = table.this
        if isinstance(target, exp.Func) or not isinstance(target, exp.Identifier):
            fname = _function_name(target) if isinstance(target, exp.Func) else target.sql("duckdb")
            if isinstance(target, exp.Func) and fname.lower() in ALLOWED_TABLE_FUNCTIONS:
                continue
            raise Refused(f"{fname}: table functions and file reads are not allowed in the console")
        name = table.name.lower()
        if not table.db and not table.args.get("catalog") and name in ctes:
            continue  # a CTE of this query
        if name.startswith(VIEW_PREFIX):
            raise Refused(f"{name} is not a model the console may read")
        if table.args.get("catalog"):
            raise Refused(f"{table.sql('duckdb')}: only the published warehouse's models can be read")
        extra = sorted(k for k, v in table.args.items() if v and k not in _TABLE_ARGS)
        if extra:
            raise Refused(f"{table.sql('duckdb')}: {', '.join(extra)} is not supported in the console")
        schema, model = _resolve(table, models)
        view = view_name(schema, model)
        views[view] = (schema, model)
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(model))
        table.set("this", exp.to_identifier(view, quoted=True))
        table.set("db", None)
        table.set("catalog", None)
        table.set("alias", alias)

    out = root.sql(dialect="duckdb", comments=False)
    _recheck(out, set(views), ctes)
    return Guarded(out, views, frozenset(ctes))


def _recheck(sql: str, views: set[str], ctes: set[str]) -> None:
    """The regenerated text parses back to references of the scoped views and CTEs only."""
    for table in _parse(sql).find_all(exp.Table):
        if isinstance(table.this, exp.Func):
            continue  # allowed table functions, checked above
        name = table.name.lower()
        if table.db or table.args.get("catalog") or name not in views | ctes:
            raise Refused(f"internal check failed for {table.sql('duckdb')}; the query was not run")
