"""The ERP database: snapshot frames in the ERP's own layout, written through SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ledgerbridge.simulator.calendar import to_date
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


def erp_frames(world: World, snap: Snapshot) -> dict[str, pd.DataFrame]:
    """Every ERP table at the snapshot, money still in cents."""
    m, e = world.master, snap.erp
    out: dict[str, pd.DataFrame] = {
        "orgs": m.orgs.assign(updated_at=MASTER_UPDATED),
        "suppliers": m.suppliers.assign(updated_at=MASTER_UPDATED),
        "customers": m.customers.assign(updated_at=MASTER_UPDATED),
        "materials": m.materials.assign(
            standard_cost=np.round(m.materials["standard_cost"] * 100).astype(np.int64),
            updated_at=MASTER_UPDATED,
        ),
    }
    for side, (o, ol, f, inv, st, party) in {
        "purchase": (
            "purchase_orders",
            "purchase_order_lines",
            "goods_receipts",
            "supplier_invoices",
            "supplier_payments",
            "supplier_code",
        ),
        "sales": (
            "sales_orders",
            "sales_order_lines",
            "deliveries",
            "customer_invoices",
            "customer_receipts",
            "customer_code",
        ),
    }.items():
        order_key = "po_no" if side == "purchase" else "so_no"
        orders = e[f"{side}_orders"]
        out[o] = pd.DataFrame(
            {
                order_key: orders["order_no"],
                "org_code": orders["org_code"],
                party: orders["party_code"],
                "order_date": _date(orders["order_day"]),
                "currency": orders["currency"],
                "tax_rate": orders["tax_pct"] * 100,
                "material_group": orders["material_group"],
                "net_amount": orders["net"],
                "tax_amount": orders["tax"],
                "gross_amount": orders["gross"],
                "status": orders["status"],
                "updated_at": orders["updated_at"],
            }
        )
        lines = e[f"{side}_order_lines"]
        out[ol] = pd.DataFrame(
            {
                order_key: lines["order_no"],
                "line_no": lines["line_no"],
                "material_code": lines["material_code"],
                "quantity": lines["quantity"] * 100,
                "unit_price": lines["unit_price"],
                "net_amount": lines["net"],
                "updated_at": lines["updated_at"],
            }
        )
        fu = e[f"{side}_fulfilments"]
        if side == "purchase":
            out[f] = pd.DataFrame(
                {
                    "gr_no": fu["doc_no"],
                    "org_code": fu["org_code"],
                    "po_no": fu["order_no"],
                    party: fu["party_code"],
                    "receipt_date": _date(fu["day"]),
                    "currency": fu["currency"],
                    "material_group": fu["material_group"],
                    "net_amount": fu["net"],
                    "status": fu["status"],
                    "updated_at": fu["updated_at"],
                }
            )
        else:
            out[f] = pd.DataFrame(
                {
                    "delivery_no": fu["doc_no"],
                    "org_code": fu["org_code"],
                    "so_no": fu["order_no"],
                    party: fu["party_code"],
                    "delivery_date": _date(fu["day"]),
                    "currency": fu["currency"],
                    "net_amount": fu["net"],
                    "cost_amount": fu["cost_base"],
                    "status": fu["status"],
                    "updated_at": fu["updated_at"],
                }
            )
        iv = e[f"{side}_invoices"]
        cols = {
            "invoice_no": iv["doc_no"],
            "org_code": iv["org_code"],
            party: iv["party_code"],
            order_key: iv["order_no"],
            ("gr_no" if side == "purchase" else "delivery_no"): iv["fulfil_no"],
            "invoice_date": _date(iv["day"]),
            "due_date": _date(iv["due_day"]),
            "currency": iv["currency"],
            "tax_rate": iv["tax_pct"] * 100,
            "net_amount": iv["net"],
            "tax_amount": iv["tax"],
            "gross_amount": iv["gross"],
        }
        if side == "purchase":
            cols["vat_invoice_no"] = np.char.add(
                "0",
                np.char.zfill(
                    (iv["doc_no"].str[-6:].astype(int) * 7919 % 10**7).astype(str).to_numpy().astype(str), 7
                ),
            )
        out[inv] = pd.DataFrame({**cols, "status": iv["status"], "updated_at": iv["updated_at"]})
        s = e[f"{side}_settlements"]
        out[st] = pd.DataFrame(
            {
                ("payment_no" if side == "purchase" else "receipt_no"): s["doc_no"],
                "org_code": s["org_code"],
                party: s["party_code"],
                "invoice_no": s["invoice_no"],
                ("payment_date" if side == "purchase" else "receipt_date"): _date(s["day"]),
                "currency": s["currency"],
                "amount": s["amount"],
                "bank_account": s["bank_account"],
                "status": s["status"],
                "updated_at": s["updated_at"],
            }
        )
    moves = []
    for side, sign, mtype in (("purchase", 1, "GR"), ("sales", -1, "GI")):
        fl = e[f"{side}_fulfil_lines"]
        stamp = e[f"{side}_fulfilments"].set_index("doc_no")["updated_at"]
        moves.append(
            pd.DataFrame(
                {
                    "movement_id": fl["doc_no"] + "-" + fl["order_line_no"].astype(str),
                    "org_code": fl["org_code"],
                    "material_code": fl["material_code"],
                    "movement_type": mtype,
                    "document_no": fl["doc_no"],
                    "movement_date": _date(fl["day"]),
                    "quantity": sign * fl["quantity"].to_numpy() * 100,
                    "amount_base": sign * fl["amount_base"].to_numpy(),
                    "status": "approved",
                    "updated_at": fl["doc_no"].map(stamp).to_numpy(),
                }
            )
        )
    out["inventory_movements"] = pd.concat(moves, ignore_index=True)
    return out


def plant_bad_rows(frames: dict[str, pd.DataFrame], world: World, a: int) -> list[dict]:
    """Append malformed copies of real rows; returns their ground-truth records."""
    rng = np.random.default_rng([world.seed, 60])
    n = max(1, int(round(2 * world.scale)))
    truth = []
    for table, reason in BAD_ERP_ROWS:
        df = frames[table]
        bad_rows = []
        for i in range(n):
            created = int(rng.integers(0, 364))
            if created > a or df.empty:
                rng.integers(0, 10**6)  # keep the draw sequence independent of the as-of date
                continue
            row = df.iloc[int(rng.integers(0, len(df)))].copy()
            ts = np.datetime64(to_date(np.array([created]))[0], "s") + np.timedelta64(43200, "s")
            row["updated_at"] = ts
            if table == "goods_receipts":
                row["gr_no"] = f"GR259{i:05d}"
                row["receipt_date"] = f"2025-{(created // 31) % 12 + 1:02d}-3{2 + i % 7}"
                row["status"], key = "draft", row["gr_no"]
            elif table == "purchase_order_lines":
                row["line_no"] = 90 + i
                row["quantity"] = -abs(int(row["quantity"]))
                row["net_amount"] = -abs(int(row["net_amount"]))
                key = f"{row['po_no']}/{row['line_no']}"
            else:
                row["invoice_no"] = f"SINV259{i:05d}"
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
    values = s.to_numpy(dtype=object)
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
                    columns.append(
                        _column_values(df[c].astype(np.int64) / (10_000 if c == "tax_rate" else 100))
                    )
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
