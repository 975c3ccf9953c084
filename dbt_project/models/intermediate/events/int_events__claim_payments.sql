-- Claim payments (CPAY): one payment document may pay several approved claims.
-- Basis lines 1…n (the claims paid):  paid  D 2241, the claim's employee
-- Basis line 0 (the payment):         bank  C bank
with

payments as (
    select * from {{ ref('stg_expense__claim_payments') }}
    where status in ('approved', 'cancelled')
),

lines as (
    select * from {{ ref('stg_expense__claim_payment_lines') }}
),

claims as (
    select claim_id, employee_code, dept_code from {{ ref('stg_expense__expense_claims') }}
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

headers as (
    select
        payments.*,
        orgs.base_currency,
        {{ base_rate('payments.currency', 'orgs.base_currency') }} as fx_rate
    from payments
    left join orgs on orgs.org_code = payments.org_code
    {{ join_rate('rates', 'payments.payment_date', 'payments.currency', 'orgs.base_currency') }}
),

payment_basis as (
    select
        {{ event_id('CPAY', 'payment_no') }} as event_id,
        'CPAY' as event_type,
        payment_no as document_no,
        cast(null as {{ dbt.type_string() }}) as related_document_no,
        org_code,
        payment_date as event_date,
        is_cancelled,
        cancelled_date,
        base_currency,
        currency,
        fx_rate,
        0 as basis_line_no,
        {{ null_text(['supplier_code', 'customer_code', 'employee_code', 'dept_code']) }},
        'claim_payments' as source_table,
        {{ null_text(['material_group', 'expense_type', 'dept_function']) }},
        bank_account,
        {{ null_text(['invoice_kind', 'invoice_type']) }},
        {{ convert_amount('amount', 'fx_rate') }} as bank_base,
        amount as bank_orig,
        cast(null as decimal(18, 2)) as paid_base,
        cast(null as decimal(18, 2)) as paid_orig
    from headers
),

line_basis as (
    select
        payment_basis.event_id, payment_basis.event_type, payment_basis.document_no,
        lines.claim_id as related_document_no, payment_basis.org_code, payment_basis.event_date,
        payment_basis.is_cancelled, payment_basis.cancelled_date, payment_basis.base_currency,
        payment_basis.currency, payment_basis.fx_rate, lines.line_no as basis_line_no,
        payment_basis.supplier_code, payment_basis.customer_code, claims.employee_code,
        cast(null as {{ dbt.type_string() }}) as dept_code, payment_basis.source_table,
        payment_basis.material_group, payment_basis.expense_type, payment_basis.dept_function,
        payment_basis.bank_account, payment_basis.invoice_kind, payment_basis.invoice_type,
        cast(null as decimal(18, 2)) as bank_base,
        cast(null as decimal(18, 2)) as bank_orig,
        {{ convert_amount('lines.amount', 'payment_basis.fx_rate') }} as paid_base,
        lines.amount as paid_orig
    from lines
    inner join payment_basis on payment_basis.document_no = lines.payment_no
    left join claims on claims.claim_id = lines.claim_id
),

basis as (
    select * from payment_basis
    union all
    select * from line_basis
)

{{ measures_long('basis', ['bank', 'paid']) }}
