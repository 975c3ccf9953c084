"""The one door to the warehouse: every page reads through this module.

Rules it enforces (see ../../../shared/STACK.md):

* The published DuckDB file is opened **read-only**, per query batch, and
  closed right after; no connection outlives a batch, so a run can publish a
  new file at any time and the next batch sees it.
* Results are cached with ``st.cache_data`` keyed on the published file's
  version (path, ``st_mtime_ns``, size): a new publish is a new key.
* SQL lives in :mod:`app.lib.queries`; values are always bound parameters.
  Relation names are looked up in ``information_schema`` (never typed by a
  user) and substituted as quoted identifiers.
* A model that does not exist yet raises :class:`ModelMissing`, which pages
  show as an info message, not as an error.
* Who is asking (:mod:`app.lib.access`): nothing is read without a logged-in
  user; a named query runs only for a user whose roles open one of its pages
  (:data:`app.lib.queries.QUERY_PAGES`); and every model is read through its
  org-filtered view (:mod:`app.lib.scoping`), so results hold only the user's
  granted orgs, and the consolidated ``GROUP`` rows only for a user granted
  every org. The cache key carries the org scope.
* File-system paths never reach the page: messages pass through :func:`redact`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from app.lib import access, scoping
from app.lib import queries as Q
from ledgerbridge.roles import policy

#: Cache sizes: pages issue a handful of queries per filter combination.
CACHE_TTL_S = 3600
CACHE_MAX_ENTRIES = 512
#: Settings of every page connection, locked: the same in every connection of the app
#: process (DuckDB refuses a second configuration for an open file), and nothing a query
#: could loosen. The SQL console runs in worker processes with its own (:mod:`app.lib.console`).
PAGE_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "python_enable_replacements": False,
    "memory_limit": "1GB",
    "threads": 4,
    "lock_configuration": True,
}

Version = tuple[str, int, int]


class ModelMissing(LookupError):
    """A model the query needs is not in the warehouse (yet)."""

    def __init__(self, models: Iterable[str]):
        self.models = sorted(set(models))
        super().__init__(", ".join(self.models))

    def __reduce__(self):  # st.cache_data pickles results, errors included
        return (ModelMissing, (self.models,))


class QueryFailed(RuntimeError):
    """A query against an existing model failed (e.g. a column was renamed)."""

    def __init__(self, name: str, error: str):
        self.name, self.error = name, redact(error)
        super().__init__(f"{name}: {self.error}")

    def __reduce__(self):
        return (QueryFailed, (self.name, self.error))


#: Absolute paths (POSIX, and Windows drive paths) in a message.
_PATH = re.compile(r"(?<![\w:/])/(?:[^\s/'\"`:]+/)*[^\s/'\"`:]+|\b[A-Za-z]:\\[^\s'\"`]+")


def redact(message: str) -> str:
    """``message`` without file-system paths (a user sees that a file is wrong, not where it is)."""
    return _PATH.sub("…", str(message))


def warehouse_path() -> Path:
    """The published warehouse (``LEDGERBRIDGE_WAREHOUSE`` overrides)."""
    try:
        from ledgerbridge.paths import warehouse_path as _wp

        return Path(_wp())
    except ImportError:  # the app can also run beside an installed package-less checkout
        root = Path(__file__).resolve().parents[2]
        return Path(os.environ.get("LEDGERBRIDGE_WAREHOUSE", root / "data" / "warehouse.duckdb"))


def version(path: Path | None = None) -> Version | None:
    """(path, mtime_ns, size) of the published file, or None when it is missing."""
    path = Path(path or warehouse_path())
    try:
        st_ = path.stat()
    except OSError:
        return None
    return (str(path), st_.st_mtime_ns, st_.st_size)


@contextmanager
def connect(path: str | Path, config: dict[str, Any] | None = None):
    """A read-only connection for one batch of queries, always closed."""
    con = duckdb.connect(str(path), read_only=True, config=dict(config or PAGE_CONFIG))
    try:
        yield con
    finally:
        con.close()


# --- catalog -----------------------------------------------------------------

_CATALOG_SQL = """
select t.schema_name, t.table_name, 'table' as kind, t.comment
from duckdb_tables() t where t.database_name = current_database() and not t.internal
union all
select v.schema_name, v.view_name, 'view', v.comment
from duckdb_views() v where v.database_name = current_database() and not v.internal
"""
_COLUMNS_SQL = """
select c.schema_name, c.table_name, c.column_name, c.data_type, c.comment, c.column_index
from duckdb_columns() c where c.database_name = current_database() and not c.internal
order by c.schema_name, c.table_name, c.column_index
"""


def _load_catalog(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with connect(path) as con:
        rels = con.execute(_CATALOG_SQL).df()
        cols = con.execute(_COLUMNS_SQL).df()
    return rels, cols


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def _catalog_cached(ver: Version) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _load_catalog(ver[0])


def catalog(ver: Version | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(relations, columns) of the published warehouse, with DuckDB comments."""
    ver = ver or version()
    if ver is None:
        return pd.DataFrame(columns=["schema_name", "table_name", "kind", "comment"]), pd.DataFrame()
    return _catalog_cached(ver)


#: Schemas searched first when a model name exists in several.
_SCHEMA_PREF = (
    "main",
    "marts",
    "main_marts",
    "core",
    "finance",
    "reconciliation",
    "vouchers",
    "monitoring",
    "ops",
)


def resolve(rels: pd.DataFrame, model: str) -> str | None:
    """The quoted ``"schema"."table"`` for a model name (``schema.name`` pins the schema)."""
    pair = resolve_pair(rels, model)
    return None if pair is None else f'"{pair[0]}"."{pair[1]}"'


def resolve_pair(rels: pd.DataFrame, model: str) -> tuple[str, str] | None:
    """(schema, table) of a model name (``schema.name`` pins the schema), or None."""
    if rels.empty:
        return None
    schema, _, name = model.rpartition(".")
    hits = rels[rels["table_name"] == name]
    if schema:
        hits = hits[hits["schema_name"] == schema]
    if hits.empty:
        return None

    def rank(s: str) -> tuple[int, str]:
        if s in _SCHEMA_PREF:
            return (_SCHEMA_PREF.index(s), s)
        return (len(_SCHEMA_PREF) + (10 if s.startswith(("raw", "staging", "stg")) else 0), s)

    best = sorted(hits["schema_name"].tolist(), key=rank)[0]
    return best, name


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def render(
    sql: str, rels: pd.DataFrame, readable: scoping.Readable, codes: Sequence[str]
) -> tuple[str, dict[str, str]]:
    """``sql`` with each ``{model}`` replaced by its org-filtered view, and the views' DDL.

    Raises :class:`ModelMissing` for a model the warehouse lacks and
    :class:`~app.lib.access.AccessDenied` for one nobody may read.
    """
    missing: list[str] = []
    views: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        pair = resolve_pair(rels, m.group(1))
        if pair is None:
            missing.append(m.group(1))
            return "NULL"
        org_scoped = scoping.require_readable(readable, *pair)
        views[scoping.view_name(*pair)] = scoping.view_ddl(*pair, org_scoped, codes)
        return f'"{scoping.view_name(*pair)}"'

    out = _PLACEHOLDER.sub(sub, sql)
    if missing:
        raise ModelMissing(missing)
    return out, views


def has_model(model: str, ver: Version | None = None) -> bool:
    """Whether the published warehouse has ``model``."""
    return resolve(catalog(ver)[0], model) is not None


def columns_of(model: str, ver: Version | None = None) -> list[str]:
    """Column names of a model (empty when it is missing)."""
    rels, cols = catalog(ver)
    rel = resolve(rels, model)
    if rel is None or cols.empty:
        return []
    schema, name = (p.strip('"') for p in rel.split(".", 1))
    sel = cols[(cols["schema_name"] == schema) & (cols["table_name"] == name)]
    return sel["column_name"].tolist()


# --- executing ---------------------------------------------------------------

Request = tuple[str, tuple[Any, ...]]


def _execute(
    path: str,
    rels: pd.DataFrame,
    readable: scoping.Readable,
    codes: tuple[str, ...],
    requests: Sequence[Request],
) -> list[pd.DataFrame | Exception]:
    """Run named queries in one read-only connection, over views filtered to ``codes``;
    per-request errors are returned, not raised."""
    rendered: list[tuple[str, str | Exception, tuple[Any, ...]]] = []
    views: dict[str, str] = {}
    for name, params in requests:
        try:
            sql, used = render(Q.sql(name), rels, readable, codes)
            views.update(used)
            rendered.append((name, sql, params))
        except (ModelMissing, access.AccessDenied) as exc:
            rendered.append((name, exc, params))
    if all(isinstance(r[1], Exception) for r in rendered):
        return [r[1] for r in rendered]  # type: ignore[misc]
    out: list[pd.DataFrame | Exception] = []
    with connect(path) as con:
        for ddl in views.values():
            con.execute(ddl)
        for name, sql, params in rendered:
            if isinstance(sql, Exception):
                out.append(sql)
                continue
            try:
                out.append(con.execute(sql, thaw(params)).df())
            except duckdb.Error as exc:
                out.append(QueryFailed(name, str(exc).splitlines()[0]))
    return out


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def _readable_cached(ver: Version, policy_key: int) -> scoping.Readable:
    rels, cols = _catalog_cached(ver)
    return scoping.readable_models(rels, cols, policy())


def _readable(ver: Version) -> scoping.Readable:
    return _readable_cached(ver, id(policy()))


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _fetch_cached(
    ver: Version, codes: tuple[str, ...], requests: tuple[Request, ...]
) -> list[pd.DataFrame | Exception]:
    rels, _ = _catalog_cached(ver)
    return _execute(ver[0], rels, _readable(ver), codes, requests)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | set):
        return tuple(_freeze(v) for v in value)
    return value


def _load_orgs(path: str, rels: pd.DataFrame) -> tuple[str, ...]:
    pair = resolve_pair(rels, "dim_org")
    if pair is None:
        return ()
    with connect(path) as con:
        rows = con.execute(f'select distinct org_code from "{pair[0]}"."{pair[1]}"').fetchall()
    return tuple(sorted(str(r[0]) for r in rows if r[0] is not None))


@st.cache_data(ttl=CACHE_TTL_S, max_entries=16, show_spinner=False)
def _orgs_cached(ver: Version) -> tuple[str, ...]:
    return _load_orgs(ver[0], _catalog_cached(ver)[0])


def warehouse_orgs(ver: Version | None = None) -> tuple[str, ...]:
    """Every org of the published warehouse (``dim_org``), whoever asks: for scoping only."""
    ver = ver or version()
    return () if ver is None else _orgs_cached(ver)


def scope(ver: Version | None = None) -> access.Scope:
    """The current user's org scope in the published warehouse (:class:`NotLoggedIn` without one)."""
    return access.scope_of(access.require(), warehouse_orgs(ver))


def fetch_many(requests: Sequence[tuple[str, Sequence[Any]]]) -> list[pd.DataFrame | Exception]:
    """Results of several named queries from one read-only connection (cached).

    Each item is a DataFrame, or a :class:`ModelMissing` / :class:`QueryFailed` /
    :class:`~app.lib.access.AccessDenied` for that query alone, so one missing model
    never blanks a whole page. Nothing is read without a logged-in user.
    """
    who = access.current()
    if who is None:
        return [access.NotLoggedIn("not logged in") for _ in requests]
    ver = version()
    if ver is None:
        return [ModelMissing(["warehouse"]) for _ in requests]
    codes = access.scope_of(who, _orgs_cached(ver)).codes
    out: list[pd.DataFrame | Exception | None] = []
    todo: list[Request] = []
    for name, params in requests:
        if Q.may_run(who, name):
            out.append(None)
            todo.append((name, tuple(_freeze(p) for p in params)))
        else:
            out.append(access.AccessDenied(f"{who.username} may not run query {name!r}"))
    res = iter(_fetch_cached(ver, codes, tuple(todo)) if todo else [])
    merged = [o if o is not None else next(res) for o in out]
    # copies: a page may add columns without touching the cached frame
    return [r.copy() if isinstance(r, pd.DataFrame) else r for r in merged]


def thaw(params: tuple[Any, ...]) -> list[Any]:
    """Bound parameters with tuples turned back into lists (DuckDB LIST values)."""
    return [list(p) if isinstance(p, tuple) else p for p in params]


def fetch(name: str, *params: Any) -> pd.DataFrame:
    """One named query; raises :class:`ModelMissing`, :class:`QueryFailed` or ``AccessDenied``."""
    res = fetch_many([(name, params)])[0]
    if isinstance(res, Exception):
        raise res
    return res


# --- status ------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """What the app can show: 'ok', 'missing', 'empty' or 'error'."""

    state: str
    path: str
    published: float | None = None
    error: str = ""


def status() -> Status:
    """State of the published warehouse, for the banner every page shows."""
    path = warehouse_path()
    ver = version(path)
    if ver is None:
        return Status("missing", str(path))
    try:
        rels, _ = catalog(ver)
    except duckdb.Error as exc:
        return Status("error", str(path), ver[1] / 1e9, str(exc).splitlines()[0])
    user = rels[~rels["schema_name"].isin(["information_schema", "pg_catalog"])]
    if user.empty:
        return Status("empty", str(path), ver[1] / 1e9)
    return Status("ok", str(path), ver[1] / 1e9)


def clear_cache() -> None:
    """Forget cached results (tests; the version key makes this unnecessary in the app)."""
    _fetch_cached.clear()
    _catalog_cached.clear()
    _readable_cached.clear()
    _orgs_cached.clear()


def timed_uncached(
    path: str | Path,
    requests: Sequence[tuple[str, Sequence[Any]]],
    rels: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
) -> tuple[float, list[Any]]:
    """Seconds to run ``requests`` uncached in one new connection, and the results (for the bench).

    The catalog is loaded once per published version in the app, so it is
    passed in (``rels``) rather than timed, unless not given. ``codes``: the org
    scope, by default every org and the consolidated rows (what an all-orgs user sees).
    """
    cat = _load_catalog(str(path))
    rels = cat[0] if rels is None else rels
    readable = scoping.readable_models(rels, cat[1], policy())
    if codes is None:
        codes = (*_load_orgs(str(path), rels), access.GROUP)
    t0 = time.perf_counter()
    frozen = [(n, tuple(_freeze(p) for p in params)) for n, params in requests]
    res = _execute(str(path), rels, readable, tuple(codes), frozen)
    return time.perf_counter() - t0, res


# --- the refresh run's step log (SQLite, written by ledgerbridge.runlog) -------------


def run_log_path() -> Path:
    """``data/run_log.sqlite`` beside the data folder (``LEDGERBRIDGE_RUN_LOG`` overrides)."""
    if env := os.environ.get("LEDGERBRIDGE_RUN_LOG"):
        return Path(env)
    try:
        from ledgerbridge.paths import data_dir

        return Path(data_dir()) / "run_log.sqlite"
    except ImportError:
        return warehouse_path().parent / "run_log.sqlite"


def _read_run_log(path: str, limit: int) -> dict[str, pd.DataFrame]:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'"
            )
        ]
        out = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            # newest first; the limit keeps a long history cheap
            out[name] = pd.read_sql_query(
                f"select * from {quoted} order by rowid desc limit ?", con, params=(limit,)
            )
        return out
    finally:
        con.close()


@st.cache_data(ttl=60, max_entries=8, show_spinner=False)
def _run_log_cached(path: str, mtime_ns: int, limit: int) -> dict[str, pd.DataFrame]:
    return _read_run_log(path, limit)


def run_log(limit: int = 500) -> dict[str, pd.DataFrame] | None:
    """Every table of the run log (newest rows first), or None when there is no log yet.

    Only for users who may open the monitor; error texts without file paths.
    """
    access.require_page("monitor")
    path = run_log_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    try:
        tables = _run_log_cached(str(path), mtime, limit)
    except Exception as exc:  # a log being written or of another shape: say so, never crash
        return {"error": pd.DataFrame({"error": [redact(str(exc))]})}
    return {name: _redacted(df) for name, df in tables.items()}


def _redacted(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns without file-system paths."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: redact(v) if isinstance(v, str) else v)
    return out


# --- model and column descriptions -----------------------------------------------------


def _yaml_docs() -> dict[str, dict[str, Any]]:
    """{model: {"description": str, "columns": {col: str}}} from dbt_project/models/**.yml."""
    root = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
    out: dict[str, dict[str, Any]] = {}
    if not root.is_dir():
        return out
    try:
        import yaml
    except ImportError:
        return out
    for f in sorted(root.rglob("*.yml")):
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except Exception:  # a half-written file from a colleague must not break the app
            continue
        for kind in ("models", "seeds", "snapshots"):
            for m in doc.get(kind) or []:
                if not isinstance(m, dict) or "name" not in m:
                    continue
                cols = {
                    c["name"]: c.get("description") or ""
                    for c in m.get("columns") or []
                    if isinstance(c, dict) and "name" in c
                }
                out[m["name"]] = {"description": m.get("description") or "", "columns": cols}
    return out


def _yaml_key() -> float:
    root = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
    return max((f.stat().st_mtime for f in root.rglob("*.yml")), default=0.0) if root.is_dir() else 0.0


@st.cache_data(ttl=CACHE_TTL_S, max_entries=4, show_spinner=False)
def _yaml_docs_cached(yaml_key: float) -> dict[str, dict[str, Any]]:
    return _yaml_docs()


def yaml_docs() -> dict[str, dict[str, Any]]:
    """The dbt YAML's model descriptions (re-read when a YAML file changes)."""
    return _yaml_docs_cached(_yaml_key())


@st.cache_data(ttl=CACHE_TTL_S, max_entries=8, show_spinner=False)
def _docs_cached(ver: Version, yaml_key: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rels, cols = _catalog_cached(ver)
    docs = _yaml_docs_cached(yaml_key)
    rels = rels.copy()
    cols = cols.copy()
    rels["description"] = [
        (c if isinstance(c, str) and c else docs.get(n, {}).get("description", ""))
        for n, c in zip(rels["table_name"], rels["comment"], strict=True)
    ]
    cols["description"] = [
        (c if isinstance(c, str) and c else docs.get(tn, {}).get("columns", {}).get(cn, ""))
        for tn, cn, c in zip(cols["table_name"], cols["column_name"], cols["comment"], strict=True)
    ]
    return rels, cols


def model_docs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(relations, columns) with a ``description`` from DuckDB comments, else dbt YAML."""
    ver = version()
    if ver is None:
        return pd.DataFrame(), pd.DataFrame()
    return _docs_cached(ver, _yaml_key())
