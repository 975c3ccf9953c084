"""The ERP database schema (one definition for SQLite, PostgreSQL and MariaDB)."""

from __future__ import annotations

import sqlalchemy as sa

# column kinds -> SQL types; dates are VARCHAR(10) text as in many legacy ERPs
KINDS = {
    "code": sa.String(32),
    "text": sa.String(200),
    "date": sa.String(10),
    "ts": sa.DateTime(),
    "money": sa.Numeric(18, 2),
    "qty": sa.Numeric(18, 3),
    "rate": sa.Numeric(6, 4),
    "int": sa.Integer(),
}

DOC = [("status", "code"), ("updated_at", "ts")]
LINE_TS = [("updated_at", "ts")]
TABLES: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
    "orgs": (
        ["org_code"],
        [
            ("org_code", "code"),
            ("org_name", "text"),
            ("org_name_en", "text"),
            ("country", "code"),
            ("base_currency", "code"),
            ("tax_id", "code"),
            ("updated_at", "ts"),
        ],
    ),
    "suppliers": (
        ["supplier_code"],
        [
            ("supplier_code", "code"),
            ("supplier_name", "text"),
            ("supplier_name_en", "text"),
            ("tax_id", "code"),
            ("country", "code"),
            ("currency", "code"),
            ("payment_days", "int"),
            ("updated_at", "ts"),
        ],
    ),
    "customers": (
        ["customer_code"],
        [
            ("customer_code", "code"),
            ("customer_name", "text"),
            ("customer_name_en", "text"),
            ("tax_id", "code"),
            ("country", "code"),
            ("currency", "code"),
            ("credit_days", "int"),
            ("updated_at", "ts"),
        ],
    ),
    "materials": (
        ["material_code"],
        [
            ("material_code", "code"),
            ("material_name", "text"),
            ("material_name_en", "text"),
            ("material_group", "code"),
            ("uom", "code"),
            ("standard_cost", "money"),
            ("updated_at", "ts"),
        ],
    ),
    "purchase_orders": (
        ["po_no"],
        [
            ("po_no", "code"),
            ("org_code", "code"),
            ("supplier_code", "code"),
            ("order_date", "date"),
            ("currency", "code"),
            ("tax_rate", "rate"),
            ("material_group", "code"),
            ("net_amount", "money"),
            ("tax_amount", "money"),
            ("gross_amount", "money"),
            *DOC,
        ],
    ),
    "purchase_order_lines": (
        ["po_no", "line_no"],
        [
            ("po_no", "code"),
            ("line_no", "int"),
            ("material_code", "code"),
            ("quantity", "qty"),
            ("unit_price", "money"),
            ("net_amount", "money"),
            *LINE_TS,
        ],
    ),
    "goods_receipts": (
        ["gr_no"],
        [
            ("gr_no", "code"),
            ("org_code", "code"),
            ("po_no", "code"),
            ("supplier_code", "code"),
            ("receipt_date", "date"),
            ("currency", "code"),
            ("material_group", "code"),
            ("net_amount", "money"),
            *DOC,
        ],
    ),
    # one line per order line received; a receipt is valued at the order price
    "goods_receipt_lines": (
        ["gr_no", "line_no"],
        [
            ("gr_no", "code"),
            ("line_no", "int"),
            ("po_no", "code"),
            ("po_line_no", "int"),
            ("material_code", "code"),
            ("material_group", "code"),
            ("quantity", "qty"),
            ("unit_price", "money"),
            ("net_amount", "money"),
            *LINE_TS,
        ],
    ),
    # invoice_kind: goods (lines reference receipt lines) or service (lines carry an expense
    # type and a department)
    "supplier_invoices": (
        ["invoice_no"],
        [
            ("invoice_no", "code"),
            ("org_code", "code"),
            ("supplier_code", "code"),
            ("invoice_kind", "code"),
            ("invoice_date", "date"),
            ("due_date", "date"),
            ("currency", "code"),
            ("net_amount", "money"),
            ("tax_amount", "money"),
            ("gross_amount", "money"),
            ("vat_invoice_no", "code"),
            *DOC,
        ],
    ),
    "supplier_invoice_lines": (
        ["invoice_no", "line_no"],
        [
            ("invoice_no", "code"),
            ("line_no", "int"),
            ("gr_no", "code"),
            ("gr_line_no", "int"),
            ("material_code", "code"),
            ("quantity", "qty"),
            ("unit_price", "money"),
            ("expense_type", "code"),
            ("dept_code", "code"),
            ("net_amount", "money"),
            ("tax_rate", "rate"),
            ("tax_amount", "money"),
            *LINE_TS,
        ],
    ),
    # amount = what left the bank for the supplier; the bank's fee is on top of it
    "supplier_payments": (
        ["payment_no"],
        [
            ("payment_no", "code"),
            ("org_code", "code"),
            ("supplier_code", "code"),
            ("payment_date", "date"),
            ("currency", "code"),
            ("amount", "money"),
            ("bank_fee", "money"),
            ("bank_account", "code"),
            *DOC,
        ],
    ),
    # what the payment settles; amount − Σ allocations is a prepayment
    "supplier_payment_allocations": (
        ["payment_no", "line_no"],
        [("payment_no", "code"), ("line_no", "int"), ("invoice_no", "code"), ("amount", "money"), *LINE_TS],
    ),
    "sales_orders": (
        ["so_no"],
        [
            ("so_no", "code"),
            ("org_code", "code"),
            ("customer_code", "code"),
            ("order_date", "date"),
            ("currency", "code"),
            ("tax_rate", "rate"),
            ("net_amount", "money"),
            ("tax_amount", "money"),
            ("gross_amount", "money"),
            *DOC,
        ],
    ),
    "sales_order_lines": (
        ["so_no", "line_no"],
        [
            ("so_no", "code"),
            ("line_no", "int"),
            ("material_code", "code"),
            ("quantity", "qty"),
            ("unit_price", "money"),
            ("net_amount", "money"),
            *LINE_TS,
        ],
    ),
    "deliveries": (
        ["delivery_no"],
        [
            ("delivery_no", "code"),
            ("org_code", "code"),
            ("so_no", "code"),
            ("customer_code", "code"),
            ("delivery_date", "date"),
            ("currency", "code"),
            ("net_amount", "money"),
            ("cost_amount", "money"),
            *DOC,
        ],
    ),
    "customer_invoices": (
        ["invoice_no"],
        [
            ("invoice_no", "code"),
            ("org_code", "code"),
            ("customer_code", "code"),
            ("so_no", "code"),
            ("delivery_no", "code"),
            ("invoice_date", "date"),
            ("due_date", "date"),
            ("currency", "code"),
            ("tax_rate", "rate"),
            ("net_amount", "money"),
            ("tax_amount", "money"),
            ("gross_amount", "money"),
            *DOC,
        ],
    ),
    # amount = what the customer sent; the bank's fee is deducted from it
    "customer_receipts": (
        ["receipt_no"],
        [
            ("receipt_no", "code"),
            ("org_code", "code"),
            ("customer_code", "code"),
            ("receipt_date", "date"),
            ("currency", "code"),
            ("amount", "money"),
            ("bank_fee", "money"),
            ("bank_account", "code"),
            *DOC,
        ],
    ),
    "customer_receipt_allocations": (
        ["receipt_no", "line_no"],
        [("receipt_no", "code"), ("line_no", "int"), ("invoice_no", "code"), ("amount", "money"), *LINE_TS],
    ),
    "inventory_movements": (
        ["movement_id"],
        [
            ("movement_id", "code"),
            ("org_code", "code"),
            ("material_code", "code"),
            ("movement_type", "code"),
            ("document_no", "code"),
            ("movement_date", "date"),
            ("quantity", "qty"),
            ("amount_base", "money"),
            *DOC,
        ],
    ),
}


def metadata() -> sa.MetaData:
    """SQLAlchemy tables for the ERP schema (no PK constraint on line tables: legacy data can break it)."""
    md = sa.MetaData()
    for name, (pk, cols) in TABLES.items():
        sa.Table(
            name,
            md,
            *[sa.Column(c, KINDS[k], primary_key=(c in pk and len(pk) == 1), nullable=True) for c, k in cols],
        )
    return md


def money_columns(table: str) -> list[str]:
    """Columns of a table that hold money or quantities (written as decimals)."""
    return [c for c, k in TABLES[table][1] if k in ("money", "qty", "rate")]
