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

Role checks and per-user org scoping (a later issue) belong here too: every
query passes through :func:`fetch` / :func:`fetch_many`.
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

from app.lib import queries as Q

#: Cache sizes: pages issue a handful of queries per filter combination.
CACHE_TTL_S = 3600
CACHE_MAX_ENTRIES = 512
#: Per-connection settings for page queries (the SQL console adds its own).
PAGE_CONFIG = {"enable_external_access": False, "memory_limit": "1GB", "threads": 4}

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
        self.name, self.error = name, error
        super().__init__(f"{name}: {error}")

    def __reduce__(self):
        return (QueryFailed, (self.name, self.error))


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
    return f'"{best}"."{name}"'


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def render(sql: str, rels: pd.DataFrame) -> str:
    """Replace ``{model}`` placeholders with resolved relations (or raise ModelMissing)."""
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        rel = resolve(rels, m.group(1))
        if rel is None:
            missing.append(m.group(1))
            return "NULL"
        return rel

    out = _PLACEHOLDER.sub(sub, sql)
    if missing:
        raise ModelMissing(missing)
    return out


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


def _execute(path: str, rels: pd.DataFrame, requests: Sequence[Request]) -> list[pd.DataFrame | Exception]:
    """Run named queries in one read-only connection; per-request errors are returned, not raised."""
    rendered: list[tuple[str, str | Exception, tuple[Any, ...]]] = []
    for name, params in requests:
        try:
            rendered.append((name, render(Q.sql(name), rels), params))
        except ModelMissing as exc:
            rendered.append((name, exc, params))
    out: list[pd.DataFrame | Exception] = []
    if all(isinstance(r[1], Exception) for r in rendered):
        return [r[1] for r in rendered]  # type: ignore[misc]
    with connect(path) as con:
        for name, sql, params in rendered:
            if isinstance(sql, Exception):
                out.append(sql)
                continue
            try:
                out.append(con.execute(sql, thaw(params)).df())
            except duckdb.Error as exc:
                out.append(QueryFailed(name, str(exc).splitlines()[0]))
    return out


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _fetch_cached(ver: Version, requests: tuple[Request, ...]) -> list[pd.DataFrame | Exception]:
    rels, _ = _catalog_cached(ver)
    return _execute(ver[0], rels, requests)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | set):
        return tuple(_freeze(v) for v in value)
    return value


def fetch_many(requests: Sequence[tuple[str, Sequence[Any]]]) -> list[pd.DataFrame | Exception]:
    """Results of several named queries from one read-only connection (cached).

    Each item is a DataFrame, or a :class:`ModelMissing` / :class:`QueryFailed`
    for that query alone, so one missing model never blanks a whole page.
    """
    ver = version()
    if ver is None:
        return [ModelMissing(["warehouse"]) for _ in requests]
    frozen = tuple((name, tuple(_freeze(p) for p in params)) for name, params in requests)
    res = _fetch_cached(ver, frozen)
    # copies: a page may add columns without touching the cached frame
    return [r.copy() if isinstance(r, pd.DataFrame) else r for r in res]


def thaw(params: tuple[Any, ...]) -> list[Any]:
    """Bound parameters with tuples turned back into lists (DuckDB LIST values)."""
    return [list(p) if isinstance(p, tuple) else p for p in params]


def fetch(name: str, *params: Any) -> pd.DataFrame:
    """One named query; raises :class:`ModelMissing` or :class:`QueryFailed`."""
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


def timed_uncached(
    path: str | Path, requests: Sequence[tuple[str, Sequence[Any]]], rels: pd.DataFrame | None = None
) -> tuple[float, list[Any]]:
    """Seconds to run ``requests`` uncached in one new connection, and the results.

    The catalog is loaded once per published version in the app, so it is
    passed in (``rels``) rather than timed, unless not given.
    """
    t0 = time.perf_counter()
    if rels is None:
        rels, _ = _load_catalog(str(path))
    frozen = [(n, tuple(_freeze(p) for p in params)) for n, params in requests]
    res = _execute(str(path), rels, frozen)
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
    """Every table of the run log (newest rows first), or None when there is no log yet."""
    path = run_log_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    try:
        return _run_log_cached(str(path), mtime, limit)
    except Exception as exc:  # a log being written or of another shape: say so, never crash
        return {"error": pd.DataFrame({"error": [str(exc)]})}


# --- the analyst SQL console ---------------------------------------------------------


class ConsoleRefused(ValueError):
    """The console will not run this statement; the message says why, for the analyst."""


@dataclass
class ConsoleResult:
    frame: pd.DataFrame
    truncated: bool
    seconds: float


#: statement type -> why it is refused
_REFUSED_TYPES = {
    "INSERT": "writes are not allowed: the warehouse is read-only",
    "UPDATE": "writes are not allowed: the warehouse is read-only",
    "DELETE": "writes are not allowed: the warehouse is read-only",
    "CREATE": "writes are not allowed: the warehouse is read-only",
    "CREATE_FUNC": "writes are not allowed: the warehouse is read-only",
    "DROP": "writes are not allowed: the warehouse is read-only",
    "ALTER": "writes are not allowed: the warehouse is read-only",
    "TRANSACTION": "transactions are not needed: the console only reads",
    "COPY": "COPY is not allowed: no file access from the console",
    "COPY_DATABASE": "COPY is not allowed: no file access from the console",
    "EXPORT": "EXPORT is not allowed: no file access from the console",
    "ATTACH": "ATTACH is not allowed: the console reads only the published warehouse",
    "DETACH": "DETACH is not allowed: the console reads only the published warehouse",
    "LOAD": "INSTALL/LOAD is not allowed: no extensions in the console",
    "SET": "settings are locked in the console",
    "VARIABLE_SET": "settings are locked in the console",
    "PRAGMA": "PRAGMA is not allowed in the console",
    "CALL": "CALL is not allowed in the console",
    "VACUUM": "writes are not allowed: the warehouse is read-only",
    "UPDATE_EXTENSIONS": "INSTALL/LOAD is not allowed: no extensions in the console",
}
_ALLOWED_TYPES = ("SELECT", "EXPLAIN")


def _statement_type(stmt: Any) -> str:
    return str(stmt.type).rsplit(".", 1)[-1].upper()


def check_console_sql(sql: str) -> str:
    """The single read-only statement to run, or :class:`ConsoleRefused` with the reason."""
    text = (sql or "").strip().rstrip(";").strip()
    if not text:
        raise ConsoleRefused("empty query")
    try:
        stmts = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise ConsoleRefused(f"syntax error: {str(exc).splitlines()[0]}") from None
    if len(stmts) != 1:
        raise ConsoleRefused("one statement at a time")
    kind = _statement_type(stmts[0])
    if kind not in _ALLOWED_TYPES:
        raise ConsoleRefused(_REFUSED_TYPES.get(kind, f"{kind} statements are not allowed; only SELECT"))
    return text


def _explain_refusal(exc: Exception, timeout_s: float) -> str:
    msg = str(exc).splitlines()[0]
    low = msg.lower()
    if isinstance(exc, duckdb.InterruptException) or "interrupt" in low:
        return f"the query ran longer than the {timeout_s:g} s limit and was stopped"
    path_like = re.search(r"table with name (\S+) does not exist", low)
    if path_like and re.search(r"[/\\]|\.(csv|parquet|json|txt|tsv|xlsx?)\b", path_like.group(1)):
        return f"file and network access is disabled in the console ({msg})"
    if "external access" in low or "file system" in low or "permission" in low:
        return f"file and network access is disabled in the console ({msg})"
    if "read-only" in low or "read only" in low:
        return f"writes are not allowed: the warehouse is read-only ({msg})"
    if "out of memory" in low or "memory limit" in low:
        return f"the query needs more memory than the console allows ({msg})"
    if "lock_configuration" in low or "configuration" in low and "locked" in low:
        return f"settings are locked in the console ({msg})"
    return ""


def console_query(
    sql: str,
    row_limit: int = 10000,
    timeout_s: float = 10.0,
    memory_limit: str = "512MB",
    path: str | Path | None = None,
) -> ConsoleResult:
    """Run an analyst's SELECT safely: read-only file, no external access, memory
    limit, configuration locked, at most ``row_limit`` rows, stopped after ``timeout_s``.

    Raises :class:`ConsoleRefused` (a readable reason) or :class:`QueryFailed`.
    """
    import threading

    text = check_console_sql(sql)
    path = Path(path or warehouse_path())
    if not path.exists():
        raise ConsoleRefused(f"no warehouse at {path}; run `make demo` or `ledgerbridge run`")
    con = duckdb.connect(str(path), read_only=True)
    timer = threading.Timer(timeout_s, con.interrupt)
    try:
        con.execute("SET enable_external_access = false")
        con.execute(f"SET memory_limit = '{_safe_memory(memory_limit)}'")
        con.execute("SET threads = 2")
        con.execute("SET lock_configuration = true")
        t0 = time.perf_counter()
        timer.start()
        try:
            rel = con.sql(text)
            frame = rel.limit(row_limit + 1).df() if rel is not None else pd.DataFrame()
        except (duckdb.Error, RuntimeError) as exc:
            why = _explain_refusal(exc, timeout_s)
            if why:
                raise ConsoleRefused(why) from None
            raise QueryFailed("sql", str(exc).splitlines()[0]) from None
        seconds = time.perf_counter() - t0
    finally:
        timer.cancel()
        con.close()
    truncated = len(frame) > row_limit
    return ConsoleResult(frame.head(row_limit), truncated, seconds)


def _safe_memory(value: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)", value.strip(), re.IGNORECASE):
        raise ValueError(f"bad memory_limit {value!r}")
    return value.strip()


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


@st.cache_data(ttl=CACHE_TTL_S, max_entries=8, show_spinner=False)
def _docs_cached(ver: Version, yaml_key: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rels, cols = _catalog_cached(ver)
    docs = _yaml_docs()
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
    root = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
    key = max((f.stat().st_mtime for f in root.rglob("*.yml")), default=0.0) if root.is_dir() else 0.0
    return _docs_cached(ver, key)
