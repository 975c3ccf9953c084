-- Every ERP / expense document fact that should reach the books, in document
-- currency, one row per (document, event). Only approved or cancelled
-- documents post (drafts don't); a cancelled document yields its original
-- event and a reversal (红字: negated amounts) dated on its cancellation day
-- (updated_at), converted later at the original's rate (a mirror of the
-- original voucher).
--
-- | event      | source              | date          | amounts                         |
-- |------------|---------------------|---------------|---------------------------------|
-- | GR         | goods_receipts      | receipt_date  | net (= gross), no tax           |
-- | PINV       | supplier_invoices   | invoice_date  | net, tax, gross                 |
-- | PAY        | supplier_payments   | payment_date  | amount                          |
-- | DN         | deliveries          | delivery_date | cost_amount (org base currency) |
-- | SINV       | customer_invoices   | invoice_date  | net, tax, gross                 |
-- | REC        | customer_receipts   | receipt_date  | amount                          |
-- | EC_APPROVE | expense_claims      | approved_date | gross, deductible VAT, net      |
-- | EC_PAY     | expense_claims      | paid_date     | gross                           |

with

orgs as (

    select org_code, base_currency from {{ ref('stg_erp__orgs') }}

),

goods_receipts as (

    select
        'GR' as event_type, gr_no as document_no, po_no as related_document_no, org_code,
        receipt_date as document_date, is_cancelled, cancelled_date,
        supplier_code, cast(null as {{ dbt.type_string() }}) as customer_code,
        cast(null as {{ dbt.type_string() }}) as employee_code, cast(null as {{ dbt.type_string() }}) as dept_code,
        currency, cast(0 as decimal(6, 4)) as tax_rate,
        net_amount, {{ money('0') }} as tax_amount, net_amount as gross_amount,
        material_group, cast(null as {{ dbt.type_string() }}) as bank_account,
        'goods_receipts' as source_table
    from {{ ref('stg_erp__goods_receipts') }}
    where status in ('approved', 'cancelled')

),

supplier_invoices as (

    select
        'PINV' as event_type, inv.invoice_no as document_no, inv.gr_no as related_document_no, inv.org_code,
        inv.invoice_date as document_date, inv.is_cancelled, inv.cancelled_date,
        inv.supplier_code, null as customer_code, null as employee_code, null as dept_code,
        inv.currency, inv.tax_rate,
        inv.net_amount, inv.tax_amount, inv.gross_amount,
        gr.material_group, null as bank_account,
        'supplier_invoices' as source_table
    from {{ ref('stg_erp__supplier_invoices') }} as inv
    left join {{ ref('stg_erp__goods_receipts') }} as gr
        on inv.gr_no = gr.gr_no
    where inv.status in ('approved', 'cancelled')

),

supplier_payments as (

    select
        'PAY' as event_type, payment_no as document_no, invoice_no as related_document_no, org_code,
        payment_date as document_date, is_cancelled, cancelled_date,
        supplier_code, null as customer_code, null as employee_code, null as dept_code,
        currency, cast(0 as decimal(6, 4)) as tax_rate,
        amount as net_amount, {{ money('0') }} as tax_amount, amount as gross_amount,
        null as material_group, bank_account,
        'supplier_payments' as source_table
    from {{ ref('stg_erp__supplier_payments') }}
    where status in ('approved', 'cancelled')

),

deliveries as (

    -- the cost of goods delivered, already in the org's base currency
    select
        'DN' as event_type, dn.delivery_no as document_no, dn.so_no as related_document_no, dn.org_code,
        dn.delivery_date as document_date, dn.is_cancelled, dn.cancelled_date,
        null as supplier_code, dn.customer_code, null as employee_code, null as dept_code,
        orgs.base_currency as currency, cast(0 as decimal(6, 4)) as tax_rate,
        dn.cost_amount as net_amount, {{ money('0') }} as tax_amount, dn.cost_amount as gross_amount,
        'GOODS' as material_group, null as bank_account,
        'deliveries' as source_table
    from {{ ref('stg_erp__deliveries') }} as dn
    left join orgs
        on dn.org_code = orgs.org_code
    where dn.status in ('approved', 'cancelled')

),

customer_invoices as (

    select
        'SINV' as event_type, invoice_no as document_no, delivery_no as related_document_no, org_code,
        invoice_date as document_date, is_cancelled, cancelled_date,
        null as supplier_code, customer_code, null as employee_code, null as dept_code,
        currency, tax_rate,
        net_amount, tax_amount, gross_amount,
        'GOODS' as material_group, null as bank_account,
        'customer_invoices' as source_table
    from {{ ref('stg_erp__customer_invoices') }}
    where status in ('approved', 'cancelled')

),

customer_receipts as (

    select
        'REC' as event_type, receipt_no as document_no, invoice_no as related_document_no, org_code,
        receipt_date as document_date, is_cancelled, cancelled_date,
        null as supplier_code, customer_code, null as employee_code, null as dept_code,
        currency, cast(0 as decimal(6, 4)) as tax_rate,
        amount as net_amount, {{ money('0') }} as tax_amount, amount as gross_amount,
        null as material_group, bank_account,
        'customer_receipts' as source_table
    from {{ ref('stg_erp__customer_receipts') }}
    where status in ('approved', 'cancelled')

),

claim_vat as (

    select claim_id, sum(deductible_tax) as deductible_tax
    from {{ ref('int_expense_claim_lines_vat') }}
    group by claim_id

),

claims_approved as (

    select
        'EC_APPROVE' as event_type, claims.claim_id as document_no, null as related_document_no, claims.org_code,
        claims.approved_date as document_date, false as is_cancelled, cast(null as date) as cancelled_date,
        null as supplier_code, null as customer_code, claims.employee_code, claims.dept_code,
        claims.currency, cast(0 as decimal(6, 4)) as tax_rate,
        {{ money('claims.gross_amount - coalesce(claim_vat.deductible_tax, 0)') }} as net_amount,
        {{ money('coalesce(claim_vat.deductible_tax, 0)') }} as tax_amount,
        claims.gross_amount,
        null as material_group, null as bank_account,
        'expense_claims' as source_table
    from {{ ref('stg_expense__expense_claims') }} as claims
    left join claim_vat
        on claims.claim_id = claim_vat.claim_id
    where claims.status in ('approved', 'paid') and claims.approved_date is not null

),

claims_paid as (

    select
        'EC_PAY' as event_type, claim_id as document_no, null as related_document_no, org_code,
        paid_date as document_date, false as is_cancelled, cast(null as date) as cancelled_date,
        null as supplier_code, null as customer_code, employee_code, dept_code,
        currency, cast(0 as decimal(6, 4)) as tax_rate,
        gross_amount as net_amount, {{ money('0') }} as tax_amount, gross_amount,
        null as material_group, null as bank_account,
        'expense_claims' as source_table
    from {{ ref('stg_expense__expense_claims') }}
    where status = 'paid' and paid_date is not null

),

originals as (

    select * from goods_receipts
    union all select * from supplier_invoices
    union all select * from supplier_payments
    union all select * from deliveries
    union all select * from customer_invoices
    union all select * from customer_receipts
    union all select * from claims_approved
    union all select * from claims_paid

),

events as (

    select
        originals.*,
        false as is_reversal,
        document_date as event_date,
        document_date as rate_date
    from originals

    union all

    select
        originals.*,
        true as is_reversal,
        cancelled_date as event_date,
        -- a reversal mirrors the original voucher: same rate, negated amounts
        document_date as rate_date
    from originals
    where is_cancelled and cancelled_date is not null

),

final as (

    select
        {{ dbt.concat([
            "event_type", "'|'", "document_no", "'|'", "case when is_reversal then 'R' else 'O' end"
        ]) }} as event_id,
        event_type,
        is_reversal,
        document_no,
        related_document_no,
        org_code,
        {{ to_period('event_date') }} as period,
        event_date,
        document_date,
        rate_date,
        supplier_code,
        customer_code,
        employee_code,
        dept_code,
        case
            when supplier_code is not null then 'supplier'
            when customer_code is not null then 'customer'
            when employee_code is not null then 'employee'
        end as counterparty_type,
        coalesce(supplier_code, customer_code, employee_code) as counterparty_code,
        currency,
        tax_rate,
        case when is_reversal then -net_amount else net_amount end as net_amount,
        case when is_reversal then -tax_amount else tax_amount end as tax_amount,
        case when is_reversal then -gross_amount else gross_amount end as gross_amount,
        material_group,
        bank_account,
        source_table
    from events

)

select * from final
