"""The ERP database: snapshot frames in the ERP's own layout, written through SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ledgerbridge.simulator.calendar import HORIZON_DAYS, to_date
from ledgerbridge.simulator.erp_schema import TABLES, metadata, money_columns
from ledgerbridge.simulator.snapshot import MASTER_UPDATED, Snapshot
from ledgerbridge.simulator.world import World

# Planted bad rows: (table, reason, how to break a copy of a real row)
BAD_ERP_ROWS = [
    ("goods_receipts", "malformed_date"),
    ("purchase_order_lines", "negative_quantity"),
    ("customer_invoices", "unknown_currency"),
]


def _date(day: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(to_date(day))


def _no(df: pd.DataFrame, idx) -> np.ndarray:
    """Document numbers of the rows at positions ``idx`` of ``df`` (None where idx < 0)."""
    idx = np.asarray(idx)
    nos = df["doc_no"].to_numpy()
    return np.where(idx >= 0, nos[np.maximum(idx, 0)], None)


def erp_frames(world: World, snap: Snapshot) -> dict[str, pd.DataFrame]:
    """Every ERP table at the snapshot, money still in cents, codes in the house style."""
    m, e, w = world.master, snap.erp, world
    p, s = w.purchase, w.sales
    orgs = m.orgs.copy()
    orgs["org_name"] = orgs["org_code"].map(lambda o: w.style.org_names[o][0])
    orgs["org_name_en"] = orgs["org_code"].map(lambda o: w.style.org_names[o][1])
    out: dict[str, pd.DataFrame] = {
        "orgs": orgs.assign(updated_at=MASTER_UPDATED),
        "suppliers": m.suppliers.drop(columns="group_org").assign(updated_at=MASTER_UPDATED),
        "customers": m.customers.drop(columns="group_org").assign(updated_at=MASTER_UPDATED),
        "materials": m.materials.assign(
            standard_cost=np.round(m.materials["standard_cost"] * 100).astype(np.int64),
            updated_at=MASTER_UPDATED,
        ),
    }
    for side, orders_all, o_tab, ol_tab, party, key in (
        ("purchase", p.orders, "purchase_orders", "purchase_order_lines", "supplier_code", "po_no"),
        ("sales", s.orders, "sales_orders", "sales_order_lines", "customer_code", "so_no"),
    ):
        orders = e[f"{side}_orders"]
        frame = pd.DataFrame(
            {
                key: orders["doc_no"],
                "org_code": orders["org_code"],
                party: orders["party_code"],
                "order_date": _date(orders["day"]),
                "currency": orders["currency"],
                "tax_rate": orders["tax_pct"] * 100,
                "net_amount": orders["net"],
                "tax_amount": orders["tax"],
                "gross_amount": orders["gross"],
                "status": orders["status"],
                "updated_at": orders["updated_at"],
            }
        )
        if side == "purchase":
            frame.insert(6, "material_group", orders["material_group"])
        out[o_tab] = frame
        lines = e[f"{side}_order_lines"]
        out[ol_tab] = pd.DataFrame(
            {
                key: _no(orders_all, lines["order_idx"]),
                "line_no": lines["line_no"],
                "material_code": lines["material_code"],
                "quantity": lines["quantity"] * 100,
                "unit_price": lines["unit_price"],
                "net_amount": lines["net"],
                "updated_at": lines["updated_at"],
            }
        )
    gr = e["goods_receipts"]
    out["goods_receipts"] = pd.DataFrame(
        {
            "gr_no": gr["doc_no"],
            "org_code": gr["org_code"],
            "po_no": _no(p.orders, gr["order_idx"]),
            "supplier_code": gr["party_code"],
            "receipt_date": _date(gr["day"]),
            "currency": gr["currency"],
            "material_group": gr["material_group"],
            "net_amount": gr["net"],
            "status": gr["status"],
            "updated_at": gr["updated_at"],
        }
    )
    grl = e["goods_receipt_lines"]
    out["goods_receipt_lines"] = pd.DataFrame(
        {
            "gr_no": _no(p.receipts, grl["receipt_idx"]),
            "line_no": grl["line_no"],
            "po_no": _no(p.orders, grl["order_idx"]),
            "po_line_no": grl["order_line_no"],
            "material_code": grl["material_code"],
            "material_group": grl["material_group"],
            "quantity": grl["quantity"] * 100,
            "unit_price": grl["unit_price"],
            "net_amount": grl["net"],
            "updated_at": grl["updated_at"],
        }
    )
    si = e["supplier_invoices"]
    out["supplier_invoices"] = pd.DataFrame(
        {
            "invoice_no": si["doc_no"],
            "org_code": si["org_code"],
            "supplier_code": si["party_code"],
            "invoice_kind": si["kind"],
            "invoice_date": _date(si["day"]),
            "due_date": _date(si["due_day"]),
            "currency": si["currency"],
            "net_amount": si["net"],
            "tax_amount": si["tax"],
            "gross_amount": si["gross"],
            "vat_invoice_no": np.char.add(
                "0", np.char.zfill((si.index.to_numpy() * 7919 % 10**7 + 1).astype(str), 7)
            ),
            "status": si["status"],
            "updated_at": si["updated_at"],
        }
    )
    sil = e["supplier_invoice_lines"]
    goods = sil["receipt_idx"].to_numpy() >= 0
    out["supplier_invoice_lines"] = pd.DataFrame(
        {
            "invoice_no": _no(p.invoices, sil["invoice_idx"]),
            "line_no": sil["line_no"],
            "gr_no": _no(p.receipts, sil["receipt_idx"]),
            "gr_line_no": np.where(goods, sil["receipt_line_no"], None),
            "material_code": sil["material_code"],
            "quantity": np.where(goods, sil["quantity"] * 100, None),
            "unit_price": np.where(goods, sil["unit_price"], None),
            "expense_type": sil["expense_type"],
            "dept_code": sil["dept_code"],
            "net_amount": sil["net"],
            "tax_rate": sil["tax_pct"] * 100,
            "tax_amount": sil["tax"],
            "updated_at": sil["updated_at"],
        }
    )
    dn = e["deliveries"]
    out["deliveries"] = pd.DataFrame(
        {
            "delivery_no": dn["doc_no"],
            "org_code": dn["org_code"],
            "so_no": _no(s.orders, dn["order_idx"]),
            "customer_code": dn["party_code"],
            "delivery_date": _date(dn["day"]),
            "currency": dn["currency"],
            "net_amount": dn["net"],
            "cost_amount": dn["cost_base"],
            "status": dn["status"],
            "updated_at": dn["updated_at"],
        }
    )
    ci = e["customer_invoices"]
    out["customer_invoices"] = pd.DataFrame(
        {
            "invoice_no": ci["doc_no"],
            "org_code": ci["org_code"],
            "customer_code": ci["party_code"],
            "so_no": _no(s.orders, ci["order_idx"]),
            "delivery_no": _no(s.deliveries, ci["delivery_idx"]),
            "invoice_date": _date(ci["day"]),
            "due_date": _date(ci["due_day"]),
            "currency": ci["currency"],
            "tax_rate": ci["tax_pct"] * 100,
            "net_amount": ci["net"],
            "tax_amount": ci["tax"],
            "gross_amount": ci["gross"],
            "status": ci["status"],
            "updated_at": ci["updated_at"],
        }
    )
    for table, alloc_table, heads_all, inv_all, key, party, date_col in (
        (
            "supplier_payments",
            "supplier_payment_allocations",
            p.payments.headers,
            p.invoices,
            "payment_no",
            "supplier_code",
            "payment_date",
        ),
        (
            "customer_receipts",
            "customer_receipt_allocations",
            s.receipts.headers,
            s.invoices,
            "receipt_no",
            "customer_code",
            "receipt_date",
        ),
    ):
        h = e[table]
        out[table] = pd.DataFrame(
            {
                key: h["doc_no"],
                "org_code": h["org_code"],
                party: h["party_code"],
                date_col: _date(h["day"]),
                "currency": h["currency"],
                "amount": h["amount"],
                "bank_fee": h["fee"],
                "bank_account": h["bank_account"],
                "status": h["status"],
                "updated_at": h["updated_at"],
            }
        )
        al = e[f"{table}_allocations"]
        out[alloc_table] = pd.DataFrame(
            {
                key: _no(heads_all, al["settle_idx"]),
                "line_no": al["line_no"],
                "invoice_no": _no(inv_all, al["invoice_idx"]),
                "amount": al["amount"],
                "updated_at": al["updated_at"],
            }
        )
    moves = []
    for lines, heads, snap_heads, sign, mtype, doc_key in (
        (e["goods_receipt_lines"], p.receipts, e["goods_receipts"], 1, "GR", "receipt_idx"),
        (e["delivery_lines"], s.deliveries, e["deliveries"], -1, "GI", "delivery_idx"),
    ):
        # stock moves once the document is approved
        lines = lines[lines[doc_key].isin(snap_heads.index[snap_heads["status"] != "draft"])]
        nos = _no(heads, lines[doc_key])
        moves.append(
            pd.DataFrame(
                {
                    "movement_id": pd.Series(nos).astype(str).to_numpy()
                    + "-"
                    + lines["line_no"].astype(str).to_numpy(),
                    "org_code": heads["org_code"].to_numpy()[lines[doc_key].to_numpy()],
                    "material_code": lines["material_code"].to_numpy(),
                    "movement_type": mtype,
                    "document_no": nos,
                    "movement_date": _date(heads["day"].to_numpy()[lines[doc_key].to_numpy()]),
                    "quantity": sign * lines["quantity"].to_numpy() * 100,
                    "amount_base": sign
                    * (lines["net_base"] if mtype == "GR" else lines["cost_base"]).to_numpy(),
                    "status": "approved",
                    "updated_at": lines["updated_at"].to_numpy(),
                }
            )
        )
    out["inventory_movements"] = pd.concat(moves, ignore_index=True)
    return {name: w.style.recode(df) for name, df in out.items()}


STABLE_POOL = 50  # bad rows copy one of a table's first rows


def plant_bad_rows(frames: dict[str, pd.DataFrame], world: World, a: int) -> list[dict]:
    """Append malformed copies of real rows; returns their ground-truth records."""
    rng = np.random.default_rng([world.seed, 60])
    per_kind = world.rates_cfg.bad_rows_per_kind
    n = 0 if per_kind <= 0 else max(1, int(round(per_kind * world.scale)))
    truth = []
    for table, reason in BAD_ERP_ROWS:
        df = frames[table]
        bad_rows = []
        for i in range(n):
            created = int(rng.integers(0, HORIZON_DAYS))
            if created > a or df.empty:
                rng.integers(0, 10**6)  # keep the draw sequence independent of the as-of date
                continue
            # copy one of the table's first rows (the oldest documents): the same row at every
            # as-of date, so the planted row keeps its key and content as the world moves on
            oldest = df.sort_values(df.columns[0], kind="stable")
            row = oldest.iloc[int(rng.integers(0, STABLE_POOL)) % len(df)].copy()
            ts = np.datetime64(to_date(np.array([created]))[0], "s") + np.timedelta64(43200, "s")
            row["updated_at"] = ts
            if table == "goods_receipts":
                # a key of its own that never changes between as-of dates (the row copied does)
                row["gr_no"] = f"GR-BAD-{i:03d}"
                row["receipt_date"] = f"{str(row['receipt_date'])[:7]}-3{2 + i % 7}"
                row["status"], key = "draft", row["gr_no"]
            elif table == "purchase_order_lines":
                row["line_no"] = 90 + i
                row["quantity"] = -abs(int(row["quantity"]))
                row["net_amount"] = -abs(int(row["net_amount"]))
                key = f"{row['po_no']}/{row['line_no']}"
            else:
                row["invoice_no"] = f"SINV-BAD-{i:03d}"
                row["currency"] = "XYZ"
                row["status"], key = "draft", row["invoice_no"]
            bad_rows.append(row.to_frame().T)
            truth.append(
                {
                    "anomaly": "bad_row",
                    "system": "erp",
                    "org": row.get("org_code"),
                    "source": table,
                    "record_key": key,
                    "expected_status": "quarantine",
                    "reason": reason,
                    "detail": f"{table} row {key}: {reason.replace('_', ' ')}",
                }
            )
        if bad_rows:  # one concat: appending row by row copies the table every time
            frames[table] = pd.concat([df, *bad_rows], ignore_index=True)
    return truth


INSERT_CHUNK = 20_000  # rows per executemany call


def _column_values(s: pd.Series) -> list:
    """A column as native Python values (None for missing), as a DBAPI driver binds them."""
    values = np.array(s.to_numpy(dtype=object), dtype=object, copy=True)
    missing = s.isna().to_numpy()
    if missing.any():
        values[missing] = None
    if s.dtype == object:  # mixed columns (planted rows) may hold NumPy scalars
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
    return list(values)


def _timestamps(s: pd.Series, dialect: str) -> list:
    """Timestamps as the SQLAlchemy dialect binds them: SQLite stores text, the others datetimes."""
    ts = pd.to_datetime(s)
    if dialect == "sqlite":  # SQLAlchemy's SQLite DATETIME storage format
        text = np.char.replace(
            np.datetime_as_string(ts.to_numpy().astype("datetime64[us]"), unit="us"), "T", " "
        )
        values = text.astype(object)
    else:
        values = ts.dt.to_pydatetime().astype(object)
    values[ts.isna().to_numpy()] = None
    return list(values)


def _insert_rows(con: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
    """executemany of plain tuples on the raw DBAPI connection, chunked."""
    dialect = con.dialect
    prep = dialect.identifier_preparer
    cols = ", ".join(prep.quote(c.name) for c in table.columns)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    head = f"INSERT INTO {prep.format_table(table)} ({cols}) VALUES "
    cursor = con.connection.dbapi_connection.cursor()
    try:
        if dialect.driver == "psycopg2":  # executemany is one round trip per row there
            from psycopg2.extras import execute_values

            execute_values(cursor, head + "%s", rows, page_size=1000)
            return
        sql = head + "(" + ", ".join([mark] * len(table.columns)) + ")"
        for i in range(0, len(rows), INSERT_CHUNK):
            cursor.executemany(sql, rows[i : i + INSERT_CHUNK])
    finally:
        cursor.close()


def write_erp(frames: dict[str, pd.DataFrame], url: str) -> None:
    """(Re)create the ERP tables at a SQLAlchemy URL and load the frames."""
    engine = sa.create_engine(url)
    md = metadata()
    with engine.begin() as con:
        md.drop_all(con)
        md.create_all(con)
        money = {t: set(money_columns(t)) for t in TABLES}
        for table, (_, cols) in TABLES.items():
            df = frames[table]
            if df.empty:
                continue
            columns = []
            for c, _kind in cols:
                if c in money[table]:
                    # integer cents (or hundredths) -> decimals; missing stays missing
                    scaled = pd.to_numeric(df[c], errors="coerce").astype("Int64")
                    columns.append(_column_values(scaled / (10_000 if c == "tax_rate" else 100)))
                elif c == "updated_at":
                    columns.append(_timestamps(df[c], con.dialect.name))
                else:
                    columns.append(_column_values(df[c]))
            _insert_rows(con, md.tables[table], list(zip(*columns, strict=True)))
    engine.dispose()


def write_sqlite(frames: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the ERP as a SQLite file, atomically (readers never see a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    write_erp(frames, f"sqlite:///{tmp}")
    os.replace(tmp, path)
