"""Tests for the demo expense API (ledgerbridge.expense_api) against tiny parquet fixtures."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ledgerbridge.expense_api import ExpenseStore, running_server
from ledgerbridge.expense_api.store import BadParameter, UnknownEntity

TOKEN = "test-token"
MONEY = pa.decimal128(18, 2)
T0 = datetime(2024, 3, 1, 9, 0, 0)


def _ts(minutes: int) -> datetime:
    return datetime(2024, 3, 1, 9, minutes, 0)


def _write(source: Path, entity: str, table: pa.Table) -> None:
    """Write atomically like the simulator should (temp file + rename)."""
    folder = source / "expense"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{entity}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, folder / f"{entity}.parquet")


def _claims(n: int = 7) -> pa.Table:
    # Deliberately out of order in the file; claims 3 and 4 share an updated_at.
    minutes = [5, 1, 3, 3, 0, 6, 2, 7, 8, 9][:n]
    amounts = ["1234.5", "0", "-12.30", "99999.99", "1", "250.25", "7.05", "8", "9", "10"][:n]
    return pa.table(
        {
            "claim_id": [f"EC{i:03d}" for i in range(1, n + 1)],
            "org_code": ["CN01"] * n,
            "employee_code": ["E001", "E002"] * (n // 2) + ["E001"] * (n % 2),
            "dept_code": ["D01"] * n,
            "claim_date": pa.array([date(2024, 2, i + 1) for i in range(n)], pa.date32()),
            "approved_date": pa.array([date(2024, 2, 20)] * (n - 1) + [None], pa.date32()),
            "paid_date": pa.array([None] * n, pa.date32()),
            "currency": ["CNY"] * n,
            "gross_amount": pa.array([Decimal(a) for a in amounts], MONEY),
            "status": ["approved"] * n,
            "updated_at": pa.array([_ts(m) for m in minutes], pa.timestamp("us")),
        }
    )


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """A source folder with every contract entity (small) plus planted oddities."""
    _write(
        tmp_path,
        "departments",
        pa.table(
            {
                "dept_code": ["D01", "D02", "D03"],
                "dept_name": ["行政部", "销售部", "研发部"],
                "dept_name_en": ["Admin", "Sales", "R&D"],
                "org_code": ["CN01"] * 3,
                "function": ["ADMIN", "SALES", "RD"],
                "updated_at": pa.array([T0] * 3, pa.timestamp("us")),
            }
        ),
    )
    _write(
        tmp_path,
        "employees",
        pa.table(
            {
                # A planted bad record with a null key.
                "employee_code": ["E002", None, "E001"],
                "employee_name": ["李四", "无名", "张三"],
                "employee_name_en": ["Li Si", None, "Zhang San"],
                "org_code": ["CN01"] * 3,
                "dept_code": ["D02", "D01", "D01"],
                "updated_at": pa.array([T0] * 3, pa.timestamp("us")),
            }
        ),
    )
    _write(tmp_path, "expense_claims", _claims())
    lines_claims = [f"EC{i:03d}" for i in range(7, 0, -1) for _ in range(2)]
    _write(
        tmp_path,
        "expense_claim_lines",
        pa.table(
            {
                "claim_id": lines_claims,
                "line_no": [2, 1] * 7,
                "expense_type": ["HOTEL", "MEALS"] * 7,
                "expense_date": pa.array([date(2024, 2, 1)] * 14, pa.date32()),
                "invoice_id": [f"INV{i:03d}" for i in range(14)],
                "amount": pa.array([Decimal("100.10"), Decimal("50")] * 7, MONEY),
                "description": ["住宿", "餐费"] * 7,
                "updated_at": pa.array([T0] * 14, pa.timestamp("us")),
            }
        ),
    )
    # String-typed dates and timestamps, one of them unparseable.
    _write(
        tmp_path,
        "vat_invoices",
        pa.table(
            {
                "invoice_id": ["INV002", "INV001", "INV003"],
                "invoice_type": ["special", "ordinary", "receipt"],
                "issue_date": ["2024-02-02", "2024-02-01", "2024-02-03"],
                "currency": ["CNY", "CNY", "USD"],
                "amount": pa.array([Decimal("100"), Decimal("200"), Decimal("3.5")], MONEY),
                "tax_amount": pa.array([Decimal("6"), Decimal("12"), None], MONEY),
                "total_amount": pa.array([Decimal("106"), Decimal("212"), Decimal("3.5")], MONEY),
                "updated_at": ["2024-03-02 10:00:00", "2024-03-01T08:00:00", "not a time"],
            }
        ),
    )
    _write(
        tmp_path,
        "approval_steps",
        pa.table(
            {
                "claim_id": ["EC001", "EC001", "EC002"],
                "step_no": [2, 1, 1],
                "approver_code": ["E009", "E008", "E008"],
                "action": ["approve", "approve", "reject"],
                "acted_at": pa.array([_ts(2), _ts(1), None], pa.timestamp("us")),
                "updated_at": pa.array([_ts(2), _ts(1), None], pa.timestamp("us")),
            }
        ),
    )
    return tmp_path


@pytest.fixture()
def api(source: Path):
    """A running server over the fixture folder."""
    with running_server(source, token=TOKEN) as server:
        yield server


def _get(
    url: str, token: str | None = TOKEN, method: str = "GET"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    req = urllib.request.Request(url, method=method)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        body = json.loads(err.read())
        return err.code, body, dict(err.headers)


def _all_pages(base: str, entity: str, query: str = "", page_size: int = 3) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page: int | None = 1
    while page is not None:
        status, body, _ = _get(f"{base}/api/v1/{entity}?page={page}&page_size={page_size}{query}")
        assert status == 200, body
        assert body["page"] == page and body["page_size"] == page_size
        rows.extend(body["data"])
        page = body["next_page"]
    return rows


def test_health_needs_no_token(api) -> None:
    assert _get(f"{api.base_url}/api/v1/health", token=None)[:2] == (200, {"status": "ok"})


@pytest.mark.parametrize("token", [None, "wrong", ""])
def test_missing_or_wrong_token_is_401(api, token: str | None) -> None:
    status, body, _ = _get(f"{api.base_url}/api/v1/expense_claims", token=token)
    assert status == 401 and "error" in body


def test_non_bearer_scheme_is_401(api) -> None:
    req = urllib.request.Request(f"{api.base_url}/api/v1/expense_claims")
    req.add_header("Authorization", f"Basic {TOKEN}")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 401


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=0", "page=-1", "page_size=0", "page_size=x", "updated_since=yesterday"],
)
def test_bad_parameters_are_400(api, query: str) -> None:
    status, body, _ = _get(f"{api.base_url}/api/v1/expense_claims?{query}")
    assert status == 400 and body["error"]


@pytest.mark.parametrize("entity", ["nope", "..%2Fsecret", "expense_claims.parquet"])
def test_unknown_entity_is_404(api, entity: str) -> None:
    status, body, _ = _get(f"{api.base_url}/api/v1/{entity}")
    assert status == 404 and body["error"]


def test_entity_list(api) -> None:
    status, body, _ = _get(f"{api.base_url}/api/v1")
    assert status == 200
    assert body["entities"] == sorted(
        [
            "approval_steps",
            "departments",
            "employees",
            "expense_claim_lines",
            "expense_claims",
            "vat_invoices",
        ]
    )


def test_pagination_chains_to_all_rows_in_stable_order(api) -> None:
    status, first, _ = _get(f"{api.base_url}/api/v1/expense_claims?page_size=3")
    assert status == 200
    assert (first["page"], first["page_size"], first["total"], first["next_page"]) == (1, 3, 7, 2)
    rows = _all_pages(api.base_url, "expense_claims")
    ids = [r["claim_id"] for r in rows]
    assert len(ids) == 7 and len(set(ids)) == 7
    # Ordered by updated_at, then key (EC003/EC004 tie at 09:03).
    assert ids == ["EC005", "EC002", "EC007", "EC003", "EC004", "EC001", "EC006"]
    assert _all_pages(api.base_url, "expense_claims") == rows
    assert _all_pages(api.base_url, "expense_claims", page_size=500) == rows


def test_page_past_the_end_is_empty(api) -> None:
    status, body, _ = _get(f"{api.base_url}/api/v1/expense_claims?page=9&page_size=3")
    assert status == 200 and body["data"] == [] and body["next_page"] is None and body["total"] == 7


def test_page_size_defaults_and_is_capped(api) -> None:
    assert _get(f"{api.base_url}/api/v1/expense_claims")[1]["page_size"] == 500
    assert _get(f"{api.base_url}/api/v1/expense_claims?page_size=99999")[1]["page_size"] == 5000


def test_composite_key_order(api) -> None:
    rows = _all_pages(api.base_url, "expense_claim_lines", page_size=5)
    keys = [(r["claim_id"], r["line_no"]) for r in rows]
    assert keys == sorted(keys) and len(keys) == 14


def test_updated_since_is_inclusive(api) -> None:
    base = f"{api.base_url}/api/v1/expense_claims"
    body = _get(f"{base}?updated_since=2024-03-01T09:03:00")[1]
    assert [r["claim_id"] for r in body["data"]] == ["EC003", "EC004", "EC001", "EC006"]
    assert body["total"] == 4
    # Space separator, and a timezone-aware value (09:03 UTC == 17:03 +08:00).
    assert _get(f"{base}?updated_since=2024-03-01%2009:03:00")[1]["total"] == 4
    assert _get(f"{base}?updated_since=2024-03-01T17:03:00%2B08:00")[1]["total"] == 4
    assert _get(f"{base}?updated_since=2024-03-01T09:03:00.000001")[1]["total"] == 2
    assert _get(f"{base}?updated_since=2030-01-01")[1]["total"] == 0
    assert _get(f"{base}?updated_since=")[1]["total"] == 7
    filtered = _all_pages(api.base_url, "expense_claims", "&updated_since=2024-03-01T09:02:00", page_size=2)
    assert [r["claim_id"] for r in filtered] == ["EC007", "EC003", "EC004", "EC001", "EC006"]


def test_values_are_json_ready(api) -> None:
    rows = {r["claim_id"]: r for r in _get(f"{api.base_url}/api/v1/expense_claims")[1]["data"]}
    assert rows["EC001"]["gross_amount"] == "1234.50"
    assert rows["EC002"]["gross_amount"] == "0.00"
    assert rows["EC003"]["gross_amount"] == "-12.30"
    assert rows["EC007"]["gross_amount"] == "7.05"
    assert rows["EC001"]["claim_date"] == "2024-02-01"
    assert rows["EC001"]["updated_at"] == "2024-03-01 09:05:00"
    assert rows["EC001"]["paid_date"] is None
    assert rows["EC007"]["approved_date"] is None
    depts = _get(f"{api.base_url}/api/v1/departments")[1]["data"]
    assert [d["dept_name"] for d in depts] == ["行政部", "销售部", "研发部"]


def test_string_timestamps_sort_and_filter(api) -> None:
    body = _get(f"{api.base_url}/api/v1/vat_invoices")[1]
    # Parsed for ordering, served as stored; the unparseable one comes last.
    assert [r["invoice_id"] for r in body["data"]] == ["INV001", "INV002", "INV003"]
    assert body["data"][2]["updated_at"] == "not a time"
    assert body["data"][2]["tax_amount"] is None
    assert body["data"][0]["issue_date"] == "2024-02-01"
    filtered = _get(f"{api.base_url}/api/v1/vat_invoices?updated_since=2024-03-02")[1]
    assert [r["invoice_id"] for r in filtered["data"]] == ["INV002"]


def test_null_key_and_null_updated_at_are_served(api) -> None:
    employees = _get(f"{api.base_url}/api/v1/employees")[1]
    assert employees["total"] == 3
    assert [e["employee_code"] for e in employees["data"]] == ["E001", "E002", None]
    steps = _get(f"{api.base_url}/api/v1/approval_steps")[1]["data"]
    assert [(s["claim_id"], s["step_no"]) for s in steps] == [("EC001", 1), ("EC001", 2), ("EC002", 1)]
    assert steps[2]["updated_at"] is None and steps[2]["acted_at"] is None
    # A null updated_at never satisfies updated_since.
    assert _get(f"{api.base_url}/api/v1/approval_steps?updated_since=2000-01-01")[1]["total"] == 2


def test_fail_next_then_success(api) -> None:
    url = f"{api.base_url}/api/v1/expense_claims"
    api.fail_next(429, retry_after=2)
    api.fail_next(503, count=2)
    status, body, headers = _get(url)
    assert status == 429 and headers["Retry-After"] == "2" and body["error"]
    assert _get(url)[0] == 503
    status, _, headers = _get(url)
    assert status == 503 and "Retry-After" not in headers
    assert _get(url)[0] == 200
    assert [s for p, s in api.request_log if p == "/api/v1/expense_claims"] == [429, 503, 503, 200]


def test_forced_failures_skip_health_and_unauthenticated(api) -> None:
    api.fail_next(503)
    assert _get(f"{api.base_url}/api/v1/health", token=None)[0] == 200
    assert _get(f"{api.base_url}/api/v1/departments", token="bad")[0] == 401
    assert _get(f"{api.base_url}/api/v1/departments")[0] == 503
    assert _get(f"{api.base_url}/api/v1/departments")[0] == 200


def test_admin_endpoint(api) -> None:
    admin = f"{api.base_url}/__admin/fail"
    assert _get(f"{admin}?status=503&count=2", token=None, method="POST")[0] == 401
    assert _get(f"{admin}?status=abc", method="POST")[0] == 400
    assert _get(f"{admin}?status=200", method="POST")[0] == 400
    status, body, _ = _get(f"{admin}?status=503&count=2&retry_after=1", method="POST")
    assert status == 200 and body["queued"] == 2
    url = f"{api.base_url}/api/v1/employees"
    results = [_get(url) for _ in range(3)]
    assert [r[0] for r in results] == [503, 503, 200]
    assert results[0][2]["Retry-After"] == "1"


def test_reload_after_rewrite_and_new_entity(api, source: Path) -> None:
    url = f"{api.base_url}/api/v1/expense_claims"
    assert _get(url)[1]["total"] == 7
    _write(source, "expense_claims", _claims(10))
    body = _get(url)[1]
    assert body["total"] == 10 and body["data"][-1]["claim_id"] == "EC010"
    # Adding a file adds an endpoint; removing it removes it.
    assert _get(f"{api.base_url}/api/v1/cost_centers")[0] == 404
    _write(source, "cost_centers", pa.table({"cc_code": ["B", "A"], "name": ["b", "a"]}))
    assert [r["cc_code"] for r in _get(f"{api.base_url}/api/v1/cost_centers")[1]["data"]] == ["A", "B"]
    (source / "expense" / "cost_centers.parquet").unlink()
    assert _get(f"{api.base_url}/api/v1/cost_centers")[0] == 404


def test_unreadable_file_is_503_not_a_crash(api, source: Path) -> None:
    (source / "expense" / "broken.parquet").write_bytes(b"not parquet at all")
    status, body, headers = _get(f"{api.base_url}/api/v1/broken")
    assert status == 503 and "broken" in body["error"] and headers["Retry-After"] == "1"
    # A half-written rewrite of a good file keeps the last good version.
    url = f"{api.base_url}/api/v1/departments"
    assert _get(url)[1]["total"] == 3
    (source / "expense" / "departments.parquet").write_bytes(b"PAR1 truncated")
    assert _get(url)[1]["total"] == 3
    assert _get(f"{api.base_url}/api/v1/health", token=None)[0] == 200


def test_store_directly(source: Path) -> None:
    store = ExpenseStore(source)
    body = store.page("expense_claims", datetime(2024, 3, 1, 9, 5), page=1, page_size=1)
    assert body == {
        "data": [body["data"][0]],
        "page": 1,
        "page_size": 1,
        "total": 2,
        "next_page": 2,
    }
    assert body["data"][0]["claim_id"] == "EC001"
    with pytest.raises(UnknownEntity):
        store.page("missing")
    with pytest.raises(BadParameter):
        store.page("expense_claims", page=0)


def test_large_store_is_fast(tmp_path: Path) -> None:
    n = 100_000
    rng = np.random.default_rng(7)
    minutes = rng.integers(0, 60 * 24 * 365, n)
    cents = rng.integers(1, 10_000_000, n)
    table = pa.table(
        {
            "claim_id": [f"EC{i // 3:07d}" for i in range(n)],
            "line_no": pa.array(np.arange(n) % 3 + 1),
            "expense_type": pa.array(np.array(["HOTEL", "MEALS", "OFFICE"])[np.arange(n) % 3]),
            "expense_date": pa.array(
                np.datetime64("2024-01-01") + (minutes // 1440).astype("timedelta64[D]")
            ),
            "invoice_id": [f"INV{i:08d}" for i in range(n)],
            "amount": pa.array([Decimal(int(c)).scaleb(-2) for c in cents], MONEY),
            "description": ["差旅"] * n,
            "updated_at": pa.array(
                np.datetime64("2024-01-01T00:00:00", "us") + minutes.astype("timedelta64[m]")
            ),
        }
    )
    _write(tmp_path, "expense_claim_lines", table)
    store = ExpenseStore(tmp_path)
    t0 = time.perf_counter()
    first = store.page("expense_claim_lines", page_size=5000)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    body = store.page("expense_claim_lines", "2024-06-01", page=3, page_size=5000)
    json.dumps(body, ensure_ascii=False)
    serve = time.perf_counter() - t0
    assert first["total"] == n and len(body["data"]) == 5000
    stamps = [r["updated_at"] for r in body["data"]]
    assert stamps == sorted(stamps) and stamps[0] >= "2024-06-01 00:00:00"
    # Generous bounds so a loaded CI box does not flake (typical: ~0.2 s and ~20 ms).
    assert load < 5 and serve < 1, (load, serve)
