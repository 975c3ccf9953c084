"""Expense system REST API: dlt's REST client (the engine of dlt ``rest_api``) with bearer auth,
``next_page`` pagination, the ``updated_since`` incremental cursor, and retries with backoff
(honouring Retry-After) on 429/5xx. Each JSON page becomes one Arrow table.
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
from ingestion.context import RunContext


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


def expense_resources(cfg: IngestConfig, ctx: RunContext, base_url: str, token: str) -> list[Any]:
    page_size = int(cfg.value("expense", "page_size", 1000))
    cursor_param = cfg.value("expense", "cursor_param", "updated_since")
    session = Client(
        request_timeout=float(cfg.value("expense", "request_timeout", 30)),
        request_max_attempts=int(cfg.value("expense", "request_max_attempts", 6)),
        request_backoff_factor=float(cfg.value("expense", "request_backoff_factor", 0.5)),
        request_max_retry_delay=float(cfg.value("expense", "request_max_retry_delay", 10)),
        respect_retry_after_header=True,
        raise_for_status=False,
    ).session
    session.hooks["response"].append(_parse_json_once)
    client = RESTClient(
        base_url=base_url.rstrip("/") + "/",
        auth=BearerTokenAuth(token),
        paginator=NextPagePaginator(),
        data_selector="data",
        session=session,
    )
    out = []
    for spec in cfg.tables("expense"):
        path = spec.options.get("path", f"api/v1/{spec.name}")
        out.append(_endpoint(client, ctx, spec, path, page_size, cursor_param))
    return out


def _endpoint(
    client: RESTClient, ctx: RunContext, spec: TableSpec, path: str, page_size: int, cursor_param: str
) -> Any:
    def pages(cursor: Any = dlt.sources.incremental(spec.cursor or "updated_at")) -> Any:
        params: dict[str, Any] = {"page_size": page_size}
        since = cursor.start_value if spec.cursor else None
        if since is not None:
            params[cursor_param] = since.isoformat(sep=" ") if hasattr(since, "isoformat") else str(since)
        for page in client.paginate(path, params=params):
            if not page:
                continue
            location = page.response.url if page.response is not None else path
            yield ctx.conform(_page_table(list(page), spec), spec, location, count=False)

    res = dlt.resource(
        pages,
        name=spec.name,
        primary_key=spec.primary_key,
        write_disposition="merge",
        columns=spec.dlt_columns([*spec.primary_key, *([spec.cursor] if spec.cursor else [])]),
    )
    return res.add_map(ctx.counter(spec.name))
