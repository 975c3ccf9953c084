-- Supplier payments (PAY) and customer receipts (REC).
-- Basis line 0 (the settlement itself):
--   bank         PAY: C bank (amount + fee) · REC: D bank (amount − fee)
--   fee          D 660303
--   prepayment   PAY: D 1123 · REC: C 2203 (amount − what the allocations settle)
--   realized_fx  D/C 660304 (debit-positive: a loss)
-- Basis lines 1…n (the allocation lines):
--   carrying     PAY: D 220201 · REC: C 1122 — the carrying amount of the invoices settled
with

settlements as (
    select * from {{ ref('int_settlements_valued') }}
),

allocations as (
    select * from {{ ref('int_settlement_allocations') }}
),

header_basis as (
    select
        {{ dbt.concat(["case when ledger = 'AP' then 'PAY' else 'REC' end", "'|'", "settlement_no", "'|O'"]) }}
            as event_id,
        case when ledger = 'AP' then 'PAY' else 'REC' end as event_type,
        settlement_no as document_no,
        first_invoice_no as related_document_no,
        org_code,
        settlement_date as event_date,
        is_cancelled,
        cancelled_date,
        base_currency,
        currency,
        fx_rate,
        0 as basis_line_no,
        case when ledger = 'AP' then party_code end as supplier_code,
        case when ledger = 'AR' then party_code end as customer_code,
        {{ null_text(['employee_code', 'dept_code']) }},
        case when ledger = 'AP' then 'supplier_payments' else 'customer_receipts' end as source_table,
        {{ null_text(['material_group', 'expense_type', 'dept_function']) }},
        bank_account,
        {{ null_text(['invoice_kind', 'invoice_type']) }},
        bank_amount_base as bank_base,
        bank_amount as bank_orig,
        fee_base,
        fee as fee_orig,
        prepayment_amount_base as prepayment_base,
        prepayment_amount as prepayment_orig,
        realized_fx_base,
        realized_fx_base as realized_fx_orig,
        cast(null as decimal(18, 2)) as carrying_base,
        cast(null as decimal(18, 2)) as carrying_orig
    from settlements
),

allocation_basis as (
    select
        header_basis.event_id,
        header_basis.event_type,
        header_basis.document_no,
        allocations.invoice_no as related_document_no,
        header_basis.org_code,
        header_basis.event_date,
        header_basis.is_cancelled,
        header_basis.cancelled_date,
        header_basis.base_currency,
        header_basis.currency,
        header_basis.fx_rate,
        allocations.line_no as basis_line_no,
        header_basis.supplier_code,
        header_basis.customer_code,
        header_basis.employee_code,
        header_basis.dept_code,
        header_basis.source_table,
        header_basis.material_group,
        header_basis.expense_type,
        header_basis.dept_function,
        header_basis.bank_account,
        header_basis.invoice_kind,
        header_basis.invoice_type,
        cast(null as decimal(18, 2)) as bank_base,
        cast(null as decimal(18, 2)) as bank_orig,
        cast(null as decimal(18, 2)) as fee_base,
        cast(null as decimal(18, 2)) as fee_orig,
        cast(null as decimal(18, 2)) as prepayment_base,
        cast(null as decimal(18, 2)) as prepayment_orig,
        cast(null as decimal(18, 2)) as realized_fx_base,
        cast(null as decimal(18, 2)) as realized_fx_orig,
        allocations.carrying_amount_base as carrying_base,
        allocations.amount as carrying_orig
    from allocations
    inner join header_basis
        on header_basis.document_no = allocations.settlement_no
        and header_basis.event_type = case when allocations.ledger = 'AP' then 'PAY' else 'REC' end
),

basis as (
    select * from header_basis
    union all
    select * from allocation_basis
)

{{ measures_long('basis', ['bank', 'fee', 'prepayment', 'realized_fx', 'carrying'], base_only=['realized_fx']) }}
