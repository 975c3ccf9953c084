"""An expense API that misbehaves mid-pagination: invalid JSON, 500s, a page that never answers,
a server that dies, a refused token. Each failure is one line naming the endpoint and the page,
loads nothing half, keeps what was loaded, and the next good run equals a fresh full load."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from ingestion import run_ingest
from ledgerbridge.errors import SourceError
from tests.hostile.kit import differences, q, raw_fingerprint, small_profile

TOKEN = "s3cret"


def claim(i: int, updated: str) -> dict:
    return {"claim_id": f"EC{i:03d}", "org_code": "ORG01", "employee_code": "E001", "dept_code": "D01",
            "claim_date": "2026-07-01", "approved_date": None, "paid_date": None, "currency": "CNY",
            "gross_amount": f"{i}.50", "status": "submitted", "updated_at": updated}  # fmt: skip


class Stub(ThreadingHTTPServer):
    """A tiny paginated API for one endpoint, with faults on demand (``fault`` = (kind, page))."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.records = [claim(i, f"2026-07-{i:02d} 10:00:00") for i in range(1, 8)]
        self.fault: tuple[str, int] | None = None
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: Stub

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, b'{"error": "bad token"}')
        url = urlparse(self.path)
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        page, size = int(args.get("page", 1)), int(args.get("page_size", 3))
        kind, at = self.server.fault or ("", 0)
        if page == at:
            if kind == "invalid_json":
                return self._send(200, b'{"data": [{"claim_id": "EC9"')
            if kind == "status_500":
                return self._send(500, b'{"error": "database is restarting"}')
            if kind == "hang":
                time.sleep(3)
                return None
            if kind == "die":
                threading.Thread(target=self.server.stop, daemon=True).start()
                self.close_connection = True
                return None
        rows = [r for r in self.server.records if r["updated_at"] >= args.get("updated_since", "")]
        if not url.path.endswith("/expense_claims"):
            rows = []
        rows.sort(key=lambda r: (r["updated_at"], r["claim_id"]))
        chunk = rows[(page - 1) * size : page * size]
        more = page * size < len(rows)
        body = {
            "data": chunk,
            "page": page,
            "page_size": size,
            "total": len(rows),
            "next_page": page + 1 if more else None,
        }
        return self._send(200, json.dumps(body).encode())


@pytest.fixture
def api(place: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEDGERBRIDGE_PROFILE", str(small_profile(place, {"expense": ["expense_claims"]})))
    server = Stub()
    monkeypatch.setenv("SOURCES__EXPENSE__BASE_URL", server.url)
    monkeypatch.setenv("SOURCES__EXPENSE__TOKEN", TOKEN)
    monkeypatch.setenv("SOURCES__EXPENSE__PAGE_SIZE", "3")
    monkeypatch.setenv("SOURCES__EXPENSE__REQUEST_TIMEOUT", "1")
    monkeypatch.setenv("SOURCES__EXPENSE__REQUEST_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SOURCES__EXPENSE__REQUEST_BACKOFF_FACTOR", "0.01")
    yield server
    if server.thread.is_alive():
        server.stop()


def ingest(place: Path, raw: str = "raw.duckdb"):
    return run_ingest(["expense"], sources_dir=place / "sources", raw_path=place / raw)


def claims(place: Path) -> int:
    return q(place / "raw.duckdb", "select count(*) from raw_expense.expense_claims")[0][0]


@pytest.mark.parametrize(
    ("fault", "page", "message"),
    [
        ("invalid_json", 2, "page 2): the response is not valid JSON ("),
        (
            "status_500",
            2,
            "HTTP 500 from expense_claims (GET {url}/api/v1/expense_claims, page 2): database is restarting",
        ),
        ("hang", 2, "page 2): no answer within 1 s (timed out)"),
        ("die", 2, "page 2): cannot connect: "),
    ],
)
def test_a_failing_page_is_one_line_naming_endpoint_and_page_and_loads_nothing_half(
    api: Stub, place: Path, fault: str, page: int, message: str, monkeypatch: pytest.MonkeyPatch
):
    assert ingest(place).ok and claims(place) == 7
    api.records += [claim(i, f"2026-08-{i:02d} 10:00:00") for i in range(8, 15)]  # two more pages
    api.fault = (fault, page)
    with pytest.raises(SourceError) as err:
        ingest(place)
    msg = str(err.value)
    assert (
        msg.startswith("expense: ") and "expense_claims (GET " in msg and message.format(url=api.url) in msg
    )
    assert "\n" not in msg
    assert claims(place) == 7  # the rows of page 1 did not load without the rest
    log = q(place / "raw.duckdb", "select status, error from ops.run_log order by started_at desc limit 1")
    assert log == [("failed", msg.removeprefix("expense: "))]
    if fault == "die":  # the server comes back
        api = Stub()
        api.records += [claim(i, f"2026-08-{i:02d} 10:00:00") for i in range(8, 15)]
        monkeypatch.setenv("SOURCES__EXPENSE__BASE_URL", api.url)
    api.fault = None
    try:
        assert ingest(place).ok and claims(place) == 14
        fresh = place / "fresh.duckdb"
        run_ingest(["expense"], sources_dir=place / "sources", raw_path=fresh)
        assert differences(raw_fingerprint(place / "raw.duckdb"), raw_fingerprint(fresh)) == {}
    finally:
        if fault == "die":
            api.stop()


def test_a_refused_token_names_the_endpoint(api: Stub, place: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCES__EXPENSE__TOKEN", "wrong")
    with pytest.raises(SourceError) as err:
        ingest(place)
    # the first endpoint asked names itself, with the URL that refused
    named = re.match(
        r"expense: 401 Unauthorized from (\w+) \(GET http://[^ ]+/api/v1/(\w+), page 1\)", str(err.value)
    )
    assert named and named[1] == named[2], str(err.value)
    assert "the API refused the bearer token" in str(err.value)
