"""One SQL console query in a process of its own (run as a script; imports nothing of the app).

The parent (:mod:`app.lib.console`) writes a JSON request on stdin; this process

1. limits itself: address space (so one huge allocation fails here, not in the app),
   CPU seconds, and no file writes at all (``RLIMIT_FSIZE`` 0);
2. opens the warehouse read-only with external access off, no extensions, no spilling
   to disk, a memory limit and ``lock_configuration``: its own DuckDB instance, so its
   settings never meet the app's page connections;
3. creates the org-filtered views the guard asked for;
4. checks the query once more with DuckDB's own parser (``json_serialize_sql``): it
   may read only those views, its own CTEs and harmless table functions, and call no
   refused function;
5. runs it under a timer that interrupts it, and writes a JSON header line and the
   first ``row_limit + 1`` rows as an Arrow IPC stream on stdout.

Whatever goes wrong comes back as ``{"ok": false, "kind": ..., "message": ...}``;
if the process dies instead (killed at the deadline, out of memory), the parent says so.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import threading
import time

#: json_serialize_sql node types that read a relation
_TABLE_TYPES = {"BASE_TABLE", "TABLE_FUNCTION", "SHOW_REF", "COLUMN_DATA_REF", "DELIM_GET"}


def _limit(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def _refs(node: object, out: list[tuple[str, dict]]) -> None:
    """Every table reference and function call in a json_serialize_sql tree."""
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind in _TABLE_TYPES:
            out.append((kind, node))
        elif node.get("class") == "FUNCTION":
            out.append(("FUNCTION", node))
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)


def _ctes(node: object, out: set[str]) -> None:
    if isinstance(node, dict):
        for item in (node.get("cte_map") or {}).get("map", []) or []:
            out.add(str(item.get("key", "")).lower())
        for v in node.values():
            _ctes(v, out)
    elif isinstance(node, list):
        for v in node:
            _ctes(v, out)


def verify(con, sql: str, views: set[str], table_functions: set[str], denied: re.Pattern[str]) -> str:
    """'' when DuckDB's parser sees only allowed references, else why not."""
    raw = con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0]
    tree = json.loads(raw)
    if tree.get("error"):
        return f"not a single SELECT ({tree.get('error_message', '')})"
    ctes: set[str] = set()
    _ctes(tree, ctes)
    refs: list[tuple[str, dict]] = []
    _refs(tree, refs)
    for kind, node in refs:
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            qualified = node.get("schema_name") or node.get("catalog_name")
            if qualified or name not in views | ctes:
                return f"{name} is not readable here"
        elif kind == "TABLE_FUNCTION":
            fname = str((node.get("function") or {}).get("function_name", "")).lower()
            if fname not in table_functions:
                return f"{fname}() is not allowed"
        elif kind == "FUNCTION":
            fname = str(node.get("function_name", ""))
            if denied.fullmatch(fname):
                return f"{fname}() is not allowed"
        else:
            return f"{kind} is not allowed"
    if ctes & {c.lower() for c in _catalog_names(con)}:
        return "a CTE may not be named like a table of the warehouse"
    return ""


def _catalog_names(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where not temporary "
            "union select view_name from duckdb_views() where not temporary and not internal"
        ).fetchall()
    ]


def main() -> int:
    req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    out = sys.stdout.buffer

    def answer(header: dict, body: bytes = b"") -> int:
        out.write(json.dumps(header).encode("utf-8") + b"\n" + body)
        out.flush()
        return 0

    mb = 1024 * 1024
    _limit(resource.RLIMIT_AS, int(req["address_space_mb"]) * mb)
    _limit(resource.RLIMIT_CPU, int(req["cpu_seconds"]))
    _limit(resource.RLIMIT_FSIZE, 0)
    try:
        import duckdb
        import pyarrow as pa

        con = duckdb.connect(
            req["path"],
            read_only=True,
            config={
                "enable_external_access": False,
                "autoload_known_extensions": False,
                "autoinstall_known_extensions": False,
                "python_enable_replacements": False,
                "temp_directory": "",
                "memory_limit": req["memory_limit"],
                "threads": int(req["threads"]),
                "lock_configuration": True,
            },
        )
    except MemoryError:
        return answer({"ok": False, "kind": "memory", "message": "not enough memory to start"})
    except Exception as exc:  # the warehouse cannot be opened
        return answer({"ok": False, "kind": "failed", "message": str(exc).splitlines()[0]})
    try:
        for ddl in req["views"].values():
            con.execute(ddl)
        why = verify(
            con, req["sql"], set(req["views"]), set(req["table_functions"]), re.compile(req["denied"], re.I)
        )
        if why:
            return answer({"ok": False, "kind": "refused", "message": why})
        timer = threading.Timer(float(req["timeout_s"]), con.interrupt)
        t0 = time.perf_counter()
        timer.start()
        try:
            table = con.sql(req["sql"]).limit(int(req["row_limit"]) + 1).to_arrow_table()
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return answer({"ok": True, "seconds": seconds, "rows": table.num_rows}, sink.getvalue().to_pybytes())
    except MemoryError:
        return answer({"ok": False, "kind": "memory", "message": "out of memory"})
    except duckdb.InterruptException:
        return answer({"ok": False, "kind": "timeout", "message": "interrupted"})
    except duckdb.OutOfMemoryException as exc:
        return answer({"ok": False, "kind": "memory", "message": str(exc).splitlines()[0]})
    except duckdb.PermissionException as exc:
        return answer({"ok": False, "kind": "external", "message": str(exc).splitlines()[0]})
    except duckdb.Error as exc:
        return answer({"ok": False, "kind": "failed", "message": str(exc).splitlines()[0]})
    except Exception as exc:  # never a traceback: one line for the analyst
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return answer({"ok": False, "kind": "failed", "message": message})
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
