"""Expense system REST API: dlt's REST client (the engine of dlt ``rest_api``) with bearer auth,
``next_page`` pagination, the ``updated_since`` incremental cursor (from the newest loaded row,
``ingestion.cursors``), and retries with backoff (honouring Retry-After) on 429/5xx. Each JSON
page becomes one Arrow table. A failure names the endpoint, the page and what went wrong.
"""

from __future__ import annotations

from typing import Any

import dlt
import pyarrow as pa
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from ingestion.config import IngestConfig, TableSpec
from ingestion.context import RunContext, SourceReadError
from ingestion.cursors import CursorStart


class NextPagePaginator(BasePaginator):
    """``{"next_page": n | null}`` in the body; the page number goes in the ``page`` parameter."""

    def __init__(self, page_param: str = "page", next_path: str = "next_page") -> None:
        super().__init__()
        self.page_param, self.next_path = page_param, next_path
        self._next: Any = None

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        self._next = response.json().get(self.next_path)
        self._has_next_page = self._next is not None

    def update_request(self, request: Request) -> None:
        request.params = {**(request.params or {}), self.page_param: self._next}


def _page_table(records: list[dict[str, Any]], spec: TableSpec) -> pa.Table:
    """A JSON page as an Arrow table, converted in bulk (fields in first-seen order, a field
    missing from a record is null). Money arrives as strings; a text field the API sent as a
    number keeps that number's text."""
    try:
        table = pa.Table.from_struct_array(pa.array(records))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a field with mixed types: text, value by value
        return _page_table_by_field(records, spec)
    for i, field in enumerate(table.schema):
        if spec.kind(field.name) != "text" or pa.types.is_string(field.type):
            continue
        if pa.types.is_null(field.type) or pa.types.is_integer(field.type):
            text = table.column(i).cast(pa.string())  # the same digits as str()
        else:  # floats, booleans: Python's spelling, as the by-field path writes them
            text = pa.array([None if v is None else str(v) for v in table.column(i).to_pylist()], pa.string())
        table = table.set_column(i, field.name, text)
    return table


def _page_table_by_field(records: list[dict[str, Any]], spec: TableSpec) -> pa.Table:
    """The page field by field; a field holding any text is all text."""
    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(r))
    cols = {}
    for name in names:
        vals = [r.get(name) for r in records]
        if spec.kind(name) == "text" or any(isinstance(v, str) for v in vals):
            cols[name] = pa.array([None if v is None else str(v) for v in vals], pa.string())
        else:
            cols[name] = pa.array(vals)
    return pa.table(cols)


def _parse_json_once(response: Response, *args: Any, **kwargs: Any) -> Response:
    """Let a page's JSON be parsed once however often it is asked for: the data selector and the
    paginator both read the body."""
    parse = response.json
    parsed: list[Any] = []

    def json(**kw: Any) -> Any:
        if not parsed:
            parsed.append(parse(**kw))
        return parsed[0]

    response.json = json  # type: ignore[method-assign]
    return response


def api_client(cfg: IngestConfig, base_url: str, token: str) -> RESTClient:
    """The REST client of the expense API: bearer auth, ``next_page`` paging, retries."""
    session = Client(
        request_timeout=float(cfg.value("expense", "request_timeout", 30)),
        request_max_attempts=int(cfg.value("expense", "request_max_attempts", 6)),
        request_backoff_factor=float(cfg.value("expense", "request_backoff_factor", 0.5)),
        request_max_retry_delay=float(cfg.value("expense", "request_max_retry_delay", 10)),
        respect_retry_after_header=True,
        raise_for_status=False,
    ).session
    session.hooks["response"].append(_parse_json_once)
    return RESTClient(
        base_url=base_url.rstrip("/") + "/",
        auth=BearerTokenAuth(token),
        paginator=NextPagePaginator(),
        data_selector="data",
        session=session,
    )


def endpoint_path(spec: TableSpec) -> str:
    """An endpoint's path below the base URL (``path``, default ``api/v1/<name>``)."""
    return spec.options.get("path", f"api/v1/{spec.name}")


def expense_resources(cfg: IngestConfig, ctx: RunContext, base_url: str, token: str) -> list[Any]:
    """One dlt resource per configured endpoint."""
    page_size = int(cfg.value("expense", "page_size", 1000))
    cursor_param = cfg.value("expense", "cursor_param", "updated_since")
    timeout = float(cfg.value("expense", "request_timeout", 30))
    client = api_client(cfg, base_url, token)
    return [
        _endpoint(client, ctx, spec, endpoint_path(spec), page_size, cursor_param, timeout)
        for spec in cfg.tables("expense")
    ]


def _keys(table: pa.Table, spec: TableSpec) -> pa.Table:
    """A page's primary keys in the contract's types (records without a key are left out)."""
    cols = [c for c in spec.primary_key if c in table.column_names]
    if len(cols) < len(spec.primary_key):
        return pa.table({k: pa.array([], spec.arrow_type(k)) for k in spec.primary_key})
    keys = table.select(cols).drop_null()
    return keys.cast(pa.schema([(k, spec.arrow_type(k)) for k in cols]), safe=False)


def collected_keys(spec: TableSpec, parts: list[pa.Table]) -> pa.Table:
    """Every key an endpoint's full read saw (for the deletion check)."""
    if not parts:
        return pa.table({k: pa.array([], spec.arrow_type(k)) for k in spec.primary_key})
    return pa.concat_tables(parts)


def describe_failure(exc: BaseException, where: str, timeout: float, source: str = "expense") -> str:
    """One line for a failed API read: what failed (the endpoint and page are in ``where``)."""
    import json

    import requests

    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, requests.HTTPError) and cur.response is not None:
            r = cur.response
            if r.status_code == 401:
                return (
                    f"401 Unauthorized from {where}: the API refused the bearer token "
                    f"(set sources.{source}.token in .dlt/secrets.toml or SOURCES__EXPENSE__TOKEN)"
                )
            body = ""
            try:
                body = str(r.json().get("error", ""))
            except Exception:  # a body that is no JSON object: show its start
                body = " ".join(r.text.split())[:120]
            return f"HTTP {r.status_code} from {where}" + (f": {body}" if body else "")
        if isinstance(cur, requests.Timeout):
            return f"{where}: no answer within {timeout:g} s (timed out)"
        if isinstance(cur, requests.ConnectionError):
            return f"{where}: cannot connect: {' '.join(str(cur).split())[:200]}"
        if isinstance(cur, json.JSONDecodeError | requests.JSONDecodeError):
            return f"{where}: the response is not valid JSON ({cur})"
        cur = cur.__cause__ or cur.__context__
    text = " ".join(str(exc).split())[:300]
    return f"{where}: {type(exc).__name__}" + (f": {text}" if text else "")


def _endpoint(
    client: RESTClient,
    ctx: RunContext,
    spec: TableSpec,
    path: str,
    page_size: int,
    cursor_param: str,
    timeout: float,
) -> Any:
    start = ctx.starts.get(spec.name, CursorStart())

    def pages() -> Any:
        params: dict[str, Any] = {"page_size": page_size}
        if spec.cursor and start.value is not None:
            since = start.value
            params[cursor_param] = since.isoformat(sep=" ") if hasattr(since, "isoformat") else str(since)
        url = client.base_url + path
        page_no = 1
        try:
            for page in client.paginate(path, params=params):
                location = page.response.url if page.response is not None else url
                if page:
                    table = _page_table(list(page), spec)
                    if spec.name in ctx.keys:  # a full read for the deletion check
                        ctx.keys[spec.name].append(_keys(table, spec))
                    good = ctx.conform(
                        table, spec, location, count=False, row_numbers=lambda idx: [i + 1 for i in idx]
                    )
                    good = start.drop_boundary(good, spec)
                    ctx.count(spec.name, good.num_rows)
                    yield good
                page_no += 1
        except SourceReadError:
            raise
        except Exception as exc:
            where = f"{spec.name} (GET {url}, page {page_no})"
            raise SourceReadError(describe_failure(exc, where, timeout)) from exc

    return dlt.resource(
        pages,
        name=spec.name,
        primary_key=spec.primary_key,
        write_disposition="merge",
        columns=spec.dlt_columns([*spec.primary_key, *([spec.cursor] if spec.cursor else [])]),
    )
