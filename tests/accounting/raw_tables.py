"""The raw layer's tables as ingestion creates them (docs/sources.md §4): columns and types.
The ops tables come from ingestion itself (``ingestion.ops_tables``)."""

from ingestion.raw_tables import QUARANTINE_COLUMNS

_DUCKDB_TYPES = {"text": "VARCHAR", "bigint": "BIGINT", "timestamp": "TIMESTAMP"}
#: every source's quarantine table, as the loads create it
QUARANTINE = ", ".join(
    [f"{name} {_DUCKDB_TYPES[spec['data_type']]}" for name, spec in QUARANTINE_COLUMNS.items()]
    + ["_dlt_load_id VARCHAR", "_deleted_at TIMESTAMP"]
)

RAW_TABLES = {
    "raw_erp.customer_invoices": ", ".join(
        [
            "invoice_no VARCHAR",
            "org_code VARCHAR",
            "customer_code VARCHAR",
            "so_no VARCHAR",
            "delivery_no VARCHAR",
            "invoice_date DATE",
            "due_date DATE",
            "currency VARCHAR",
            "tax_rate DECIMAL(6,4)",
            "net_amount DECIMAL(18,2)",
            "tax_amount DECIMAL(18,2)",
            "gross_amount DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.customer_receipt_allocations": ", ".join(
        [
            "receipt_no VARCHAR",
            "line_no BIGINT",
            "invoice_no VARCHAR",
            "amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.customer_receipts": ", ".join(
        [
            "receipt_no VARCHAR",
            "org_code VARCHAR",
            "customer_code VARCHAR",
            "receipt_date DATE",
            "currency VARCHAR",
            "amount DECIMAL(18,2)",
            "bank_fee DECIMAL(18,2)",
            "bank_account VARCHAR",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.customers": ", ".join(
        [
            "customer_code VARCHAR",
            "customer_name VARCHAR",
            "customer_name_en VARCHAR",
            "tax_id VARCHAR",
            "country VARCHAR",
            "currency VARCHAR",
            "credit_days BIGINT",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.deliveries": ", ".join(
        [
            "delivery_no VARCHAR",
            "org_code VARCHAR",
            "so_no VARCHAR",
            "customer_code VARCHAR",
            "delivery_date DATE",
            "currency VARCHAR",
            "net_amount DECIMAL(18,2)",
            "cost_amount DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.goods_receipt_lines": ", ".join(
        [
            "gr_no VARCHAR",
            "line_no BIGINT",
            "po_no VARCHAR",
            "po_line_no BIGINT",
            "material_code VARCHAR",
            "material_group VARCHAR",
            "quantity DECIMAL(18,3)",
            "unit_price DECIMAL(18,2)",
            "net_amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.goods_receipts": ", ".join(
        [
            "gr_no VARCHAR",
            "org_code VARCHAR",
            "po_no VARCHAR",
            "supplier_code VARCHAR",
            "receipt_date DATE",
            "currency VARCHAR",
            "material_group VARCHAR",
            "net_amount DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.inventory_movements": ", ".join(
        [
            "movement_id VARCHAR",
            "org_code VARCHAR",
            "material_code VARCHAR",
            "movement_type VARCHAR",
            "document_no VARCHAR",
            "movement_date DATE",
            "quantity DECIMAL(18,3)",
            "amount_base DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.materials": ", ".join(
        [
            "material_code VARCHAR",
            "material_name VARCHAR",
            "material_name_en VARCHAR",
            "material_group VARCHAR",
            "uom VARCHAR",
            "standard_cost DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.orgs": ", ".join(
        [
            "org_code VARCHAR",
            "org_name VARCHAR",
            "org_name_en VARCHAR",
            "country VARCHAR",
            "base_currency VARCHAR",
            "tax_id VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.purchase_order_lines": ", ".join(
        [
            "po_no VARCHAR",
            "line_no BIGINT",
            "material_code VARCHAR",
            "quantity DECIMAL(18,3)",
            "unit_price DECIMAL(18,2)",
            "net_amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.purchase_orders": ", ".join(
        [
            "po_no VARCHAR",
            "org_code VARCHAR",
            "supplier_code VARCHAR",
            "order_date DATE",
            "currency VARCHAR",
            "tax_rate DECIMAL(6,4)",
            "material_group VARCHAR",
            "net_amount DECIMAL(18,2)",
            "tax_amount DECIMAL(18,2)",
            "gross_amount DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.quarantine": QUARANTINE,
    "raw_erp.sales_order_lines": ", ".join(
        [
            "so_no VARCHAR",
            "line_no BIGINT",
            "material_code VARCHAR",
            "quantity DECIMAL(18,3)",
            "unit_price DECIMAL(18,2)",
            "net_amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.sales_orders": ", ".join(
        [
            "so_no VARCHAR",
            "org_code VARCHAR",
            "customer_code VARCHAR",
            "order_date DATE",
            "currency VARCHAR",
            "tax_rate DECIMAL(6,4)",
            "net_amount DECIMAL(18,2)",
            "tax_amount DECIMAL(18,2)",
            "gross_amount DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.supplier_invoice_lines": ", ".join(
        [
            "invoice_no VARCHAR",
            "line_no BIGINT",
            "gr_no VARCHAR",
            "gr_line_no BIGINT",
            "material_code VARCHAR",
            "quantity DECIMAL(18,3)",
            "unit_price DECIMAL(18,2)",
            "expense_type VARCHAR",
            "dept_code VARCHAR",
            "net_amount DECIMAL(18,2)",
            "tax_rate DECIMAL(6,4)",
            "tax_amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.supplier_invoices": ", ".join(
        [
            "invoice_no VARCHAR",
            "org_code VARCHAR",
            "supplier_code VARCHAR",
            "invoice_kind VARCHAR",
            "invoice_date DATE",
            "due_date DATE",
            "currency VARCHAR",
            "net_amount DECIMAL(18,2)",
            "tax_amount DECIMAL(18,2)",
            "gross_amount DECIMAL(18,2)",
            "vat_invoice_no VARCHAR",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.supplier_payment_allocations": ", ".join(
        [
            "payment_no VARCHAR",
            "line_no BIGINT",
            "invoice_no VARCHAR",
            "amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.supplier_payments": ", ".join(
        [
            "payment_no VARCHAR",
            "org_code VARCHAR",
            "supplier_code VARCHAR",
            "payment_date DATE",
            "currency VARCHAR",
            "amount DECIMAL(18,2)",
            "bank_fee DECIMAL(18,2)",
            "bank_account VARCHAR",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_erp.suppliers": ", ".join(
        [
            "supplier_code VARCHAR",
            "supplier_name VARCHAR",
            "supplier_name_en VARCHAR",
            "tax_id VARCHAR",
            "country VARCHAR",
            "currency VARCHAR",
            "payment_days BIGINT",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.approval_steps": ", ".join(
        [
            "claim_id VARCHAR",
            "step_no BIGINT",
            "approver_code VARCHAR",
            "action VARCHAR",
            "acted_at TIMESTAMP WITH TIME ZONE",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.claim_payment_lines": ", ".join(
        [
            "payment_no VARCHAR",
            "line_no BIGINT",
            "claim_id VARCHAR",
            "amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.claim_payments": ", ".join(
        [
            "payment_no VARCHAR",
            "org_code VARCHAR",
            "payment_date DATE",
            "currency VARCHAR",
            "amount DECIMAL(18,2)",
            "bank_account VARCHAR",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.departments": ", ".join(
        [
            "dept_code VARCHAR",
            "dept_name VARCHAR",
            "dept_name_en VARCHAR",
            "org_code VARCHAR",
            "function VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.employee_advances": ", ".join(
        [
            "advance_no VARCHAR",
            "org_code VARCHAR",
            "employee_code VARCHAR",
            "advance_date DATE",
            "currency VARCHAR",
            "amount DECIMAL(18,2)",
            "bank_account VARCHAR",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.employees": ", ".join(
        [
            "employee_code VARCHAR",
            "employee_name VARCHAR",
            "employee_name_en VARCHAR",
            "org_code VARCHAR",
            "dept_code VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.expense_claim_lines": ", ".join(
        [
            "claim_id VARCHAR",
            "line_no BIGINT",
            "expense_type VARCHAR",
            "expense_date DATE",
            "invoice_id VARCHAR",
            "invoice_type VARCHAR",
            "amount DECIMAL(18,2)",
            "fare_amount DECIMAL(18,2)",
            "fuel_surcharge DECIMAL(18,2)",
            "other_fees DECIMAL(18,2)",
            "description VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.expense_claims": ", ".join(
        [
            "claim_id VARCHAR",
            "org_code VARCHAR",
            "employee_code VARCHAR",
            "dept_code VARCHAR",
            "claim_date DATE",
            "approved_date DATE",
            "paid_date DATE",
            "currency VARCHAR",
            "gross_amount DECIMAL(18,2)",
            "advance_no VARCHAR",
            "advance_offset DECIMAL(18,2)",
            "payable_amount DECIMAL(18,2)",
            "status VARCHAR",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_expense.quarantine": QUARANTINE,
    "raw_expense.vat_invoices": ", ".join(
        [
            "invoice_id VARCHAR",
            "invoice_code VARCHAR",
            "invoice_number VARCHAR",
            "invoice_type VARCHAR",
            "seller_name VARCHAR",
            "seller_tax_id VARCHAR",
            "issue_date DATE",
            "currency VARCHAR",
            "amount DECIMAL(18,2)",
            "tax_amount DECIMAL(18,2)",
            "total_amount DECIMAL(18,2)",
            "updated_at TIMESTAMP",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_finance.gl_accounts": ", ".join(
        [
            "account_code VARCHAR",
            "account_name VARCHAR",
            "account_name_en VARCHAR",
            "account_category VARCHAR",
            "balance_direction VARCHAR",
            "parent_code VARCHAR",
            "level BIGINT",
            "source_file VARCHAR",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_finance.gl_counterparties": ", ".join(
        [
            "party_type VARCHAR",
            "gl_code VARCHAR",
            "party_name VARCHAR",
            "tax_id VARCHAR",
            "source_file VARCHAR",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_finance.gl_fx_rates": ", ".join(
        [
            "rate_date DATE",
            "from_currency VARCHAR",
            "to_currency VARCHAR",
            "rate DECIMAL(18,6)",
            "source_file VARCHAR",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_finance.gl_period_status": ", ".join(
        [
            "org_code VARCHAR",
            "period VARCHAR",
            "status VARCHAR",
            "source_file VARCHAR",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_finance.gl_voucher_lines": ", ".join(
        [
            "org_code VARCHAR",
            "voucher_date DATE",
            "period VARCHAR",
            "voucher_word VARCHAR",
            "voucher_no BIGINT",
            "line_no BIGINT",
            "summary VARCHAR",
            "account_code VARCHAR",
            "account_name VARCHAR",
            "currency VARCHAR",
            "amount_original DECIMAL(18,2)",
            "debit DECIMAL(18,2)",
            "credit DECIMAL(18,2)",
            "fx_rate DECIMAL(18,6)",
            "supplier_code VARCHAR",
            "customer_code VARCHAR",
            "employee_code VARCHAR",
            "dept_code VARCHAR",
            "reference VARCHAR",
            "preparer VARCHAR",
            "source_file VARCHAR",
            "_dlt_load_id VARCHAR",
            "_deleted_at TIMESTAMP",
        ]
    ),
    "raw_finance.quarantine": QUARANTINE,
}
