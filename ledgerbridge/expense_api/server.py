"""The demo expense system's JSON API (docs/sources.md, section 3), on the standard library.

Routes:
  GET  /api/v1/health                      -> {"status": "ok"} (no auth)
  GET  /api/v1                             -> {"entities": [...]}
  GET  /api/v1/{entity}?updated_since=&page=&page_size=
                                           -> {"data", "page", "page_size", "total", "next_page"}
  POST /__admin/fail?status=503&count=2[&retry_after=1]
                                           -> queue forced failures (for tests)
Everything except health needs ``Authorization: Bearer <token>``. ``updated_since`` is
inclusive (``updated_at >= updated_since``). Errors are ``{"error": "..."}`` with 400, 401,
404, or 429/503 (forced, or a file caught mid-rewrite).
"""

from __future__ import annotations

import hmac
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ledgerbridge.errors import LedgerbridgeError

from .store import DEFAULT_PAGE_SIZE, BadParameter, ExpenseApiError, ExpenseStore

__all__ = ["ExpenseAPIServer", "ExpenseStore", "running_server", "serve_forever"]

API_PREFIX = "/api/v1"
ADMIN_FAIL = "/__admin/fail"


class ExpenseAPIServer(ThreadingHTTPServer):
    """Threaded HTTP server holding the store, the token and the fault-injection queue."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, source_dir: Path | str, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = ExpenseStore(source_dir)
        self.token = token
        self.request_log: list[tuple[str, int]] = []  # (path without query, status), in order
        self._failures: deque[tuple[int, int | None]] = deque()
        self._failures_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the bound socket (the real port when started with 0)."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None) -> None:
        """Make the next ``count`` authenticated API requests answer ``status`` (e.g. 429, 503).

        ``retry_after`` (seconds) is sent as a Retry-After header when given.
        """
        if not 400 <= int(status) <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status}")
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        with self._failures_lock:
            self._failures.extend([(int(status), retry_after)] * count)

    def clear_failures(self) -> None:
        """Drop any forced failures still queued."""
        with self._failures_lock:
            self._failures.clear()

    def _pop_failure(self) -> tuple[int, int | None] | None:
        with self._failures_lock:
            return self._failures.popleft() if self._failures else None


def _int_param(params: dict[str, list[str]], name: str, default: int | None) -> int | None:
    values = params.get(name)
    if not values or values[0].strip() == "":
        return default
    try:
        return int(values[0])
    except ValueError:
        raise BadParameter(f"{name} must be an integer, got {values[0]!r}") from None


class _Handler(BaseHTTPRequestHandler):
    server: ExpenseAPIServer
    protocol_version = "HTTP/1.1"  # keep-alive for paging clients
    timeout = 60  # drop idle keep-alive connections
    server_version = "ledgerbridge-expense/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging."""

    # -- responses -------------------------------------------------------------------------

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.server.request_log.append((self._path, status))  # before the client can see the reply
        self.wfile.write(payload)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": message}, headers)

    def _authorized(self) -> bool:
        scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.server.token.encode()
        )

    def _drain_body(self) -> None:
        # With keep-alive an unread body would be parsed as the next request.
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)

    def _parse(self) -> dict[str, list[str]]:
        parts = urlsplit(self.path)
        self._path = parts.path.rstrip("/") or "/"
        return parse_qs(parts.query, keep_blank_values=True)

    # -- routes ----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        """Serve health, the entity list, and entity pages."""
        params = self._parse()
        path = self._path
        if path == f"{API_PREFIX}/health":
            return self._send(200, {"status": "ok"})
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            return self._error(404, f"not found: {path}")
        if not self._authorized():
            return self._error(401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})
        forced = self.server._pop_failure()
        if forced is not None:
            status, retry_after = forced
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return self._error(status, f"forced failure {status} (server busy)", headers)
        if path == API_PREFIX:
            return self._send(200, {"entities": self.server.store.entities()})
        entity = path[len(API_PREFIX) + 1 :]
        try:
            page = _int_param(params, "page", 1)
            page_size = _int_param(params, "page_size", DEFAULT_PAGE_SIZE)
            since = (params.get("updated_since") or [None])[0]
            body = self.server.store.page(entity, since, page, page_size)  # type: ignore[arg-type]
        except ExpenseApiError as exc:
            headers = {"Retry-After": "1"} if exc.status == 503 else None
            return self._error(exc.status, str(exc), headers)
        except Exception as exc:  # never let one odd record kill the connection
            return self._error(500, f"internal error: {type(exc).__name__}: {exc}")
        return self._send(200, body)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        """Admin: queue forced failures (``POST /__admin/fail?status=503&count=2&retry_after=1``)."""
        params = self._parse()
        self._drain_body()
        if self._path != ADMIN_FAIL:
            return self._error(404 if not self._path.startswith(API_PREFIX) else 405, "not found")
        if not self._authorized():
            return self._error(401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})
        try:
            status = _int_param(params, "status", 503)
            count = _int_param(params, "count", 1)
            retry_after = _int_param(params, "retry_after", None)
            self.server.fail_next(status, count, retry_after)  # type: ignore[arg-type]
        except (BadParameter, ValueError) as exc:
            return self._error(400, str(exc))
        return self._send(200, {"status": "ok", "queued": len(self.server._failures)})


@contextmanager
def running_server(
    source_dir: Path | str, token: str = "demo-token", host: str = "127.0.0.1", port: int = 0
) -> Iterator[ExpenseAPIServer]:
    """Run the API in a daemon thread (port 0 = a free port); yields the server.

    The server has ``.base_url``, ``.fail_next(...)``, ``.request_log`` and ``.store``;
    it is shut down and its socket closed on exit.
    """
    server = ExpenseAPIServer(source_dir, token, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="expense-api", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_forever(source_dir: Path, host: str, port: int, token: str) -> None:
    """Serve ``<source_dir>/expense/*.parquet`` until Ctrl+C; prints one line with the URL."""
    expense_dir = Path(source_dir) / "expense"
    if not expense_dir.is_dir():
        raise LedgerbridgeError(f"no expense data in {expense_dir}; run `ledgerbridge simulate` first")
    try:
        server = ExpenseAPIServer(source_dir, token, host, port)
    except OSError as exc:
        raise LedgerbridgeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    print(f"Expense API serving {server.base_url}{API_PREFIX}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
