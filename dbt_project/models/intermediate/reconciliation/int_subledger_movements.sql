-- Subledger movements per org, period and control account computed from the documents alone
-- — never from the posting rules or the matching — debit-positive in base currency, so the
-- account bridge compares two independent routes:
--   AR 1122        customer invoices (gross) − receipts' allocations at carrying amount
--   2203           receipts' unallocated amounts (customer advances)
--   AP 220201      − supplier invoices (gross) + payments' allocations at carrying amount
--   1123           payments' unallocated amounts (prepayments)
--   GR/IR 220202   − goods received + receipt value cleared by supplier invoices
--   inventory      goods received + price differences − cost of deliveries (by material group,
--                  control_accounts.subledger_key); price differences go where the setting
--                  price_difference_in says (inventory, a PRICE_VARIANCE control account, or none)
--   2241           − claims payable + claim payments
--   1221           advances − what claims offset
--   22210101       supplier invoices' VAT + claims' deductible VAT
--   22210108       − customer invoices' VAT
-- A cancelled document moves again, negated, in the period it was cancelled.
with

control as (
    select account_code, control_type, subledger_key from {{ ref('control_accounts') }}
),

customer_invoices as (
    select * from {{ ref('int_customer_invoices_valued') }}
),

supplier_invoices as (
    select * from {{ ref('int_supplier_invoices_valued') }}
),

supplier_invoice_lines as (
    select * from {{ ref('int_supplier_invoice_lines_valued') }}
),

receipts as (
    select * from {{ ref('int_goods_receipt_lines_valued') }}
),

settlements as (
    select * from {{ ref('int_settlements_valued') }}
),

allocations as (
    select
        allocations.*,
        settlements.is_cancelled,
        settlements.cancelled_date
    from {{ ref('int_settlement_allocations') }} as allocations
    inner join settlements
        on settlements.ledger = allocations.ledger and settlements.settlement_no = allocations.settlement_no
),

claims as (
    select
        claims.claim_id,
        claims.org_code,
        claims.approved_date,
        claims.advance_offset,
        claims.payable_amount,
        vat.deductible_tax
    from {{ ref('stg_expense__expense_claims') }} as claims
    left join (
        select claim_id, sum(deductible_tax) as deductible_tax
        from {{ ref('int_expense_claim_lines_vat') }}
        group by claim_id
    ) as vat on vat.claim_id = claims.claim_id
    where claims.status in ('approved', 'paid') and claims.approved_date is not null
),

claim_payments as (
    select pay.org_code, pay.payment_date, lines.amount, pay.is_cancelled, pay.cancelled_date
    from {{ ref('stg_expense__claim_payment_lines') }} as lines
    inner join {{ ref('stg_expense__claim_payments') }} as pay on pay.payment_no = lines.payment_no
    where pay.status in ('approved', 'cancelled')
),

advances as (
    select * from {{ ref('stg_expense__employee_advances') }}
    where status in ('approved', 'cancelled')
),

-- (control type, org, date, amount, material group) of every document effect
effects as (
    select 'AR' as control_type, org_code, invoice_date as effect_date, gross_amount_base as amount,
        is_cancelled, cancelled_date, cast(null as {{ dbt.type_string() }}) as subledger_key
    from customer_invoices
    union all
    select 'OUTPUT_VAT', org_code, invoice_date, -tax_amount_base, is_cancelled, cancelled_date, null
    from customer_invoices
    union all
    select 'AP', org_code, invoice_date, -gross_amount_base, is_cancelled, cancelled_date, null
    from supplier_invoices
    union all
    select 'INPUT_VAT', org_code, invoice_date, tax_amount_base, is_cancelled, cancelled_date, null
    from supplier_invoices
    union all
    select 'GRIR', org_code, invoice_date, cleared_amount_base, is_cancelled, cancelled_date, null
    from supplier_invoice_lines where has_receipt
    union all
    select
        case {{ posting_setting('price_difference_in') }}
            when 'variance' then 'PRICE_VARIANCE'
            when 'none' then 'NONE'
            else 'INVENTORY'
        end,
        org_code, invoice_date, price_difference_base, is_cancelled, cancelled_date, material_group
    from supplier_invoice_lines where has_receipt
    union all
    select 'GRIR', org_code, receipt_date, -net_amount_base, is_cancelled, cancelled_date, null
    from receipts
    union all
    select 'INVENTORY', org_code, receipt_date, net_amount_base, is_cancelled, cancelled_date, material_group
    from receipts
    union all
    select 'INVENTORY', dn.org_code, dn.delivery_date, -dn.cost_amount, dn.is_cancelled, dn.cancelled_date, 'GOODS'
    from {{ ref('stg_erp__deliveries') }} as dn
    where dn.status in ('approved', 'cancelled')
    union all
    select case when ledger = 'AR' then 'AR' else 'AP' end, org_code, settlement_date,
        case when ledger = 'AR' then -carrying_amount_base else carrying_amount_base end,
        is_cancelled, cancelled_date, null
    from allocations
    union all
    select case when ledger = 'AR' then 'CUSTOMER_ADVANCE' else 'PREPAYMENT' end, org_code, settlement_date,
        case when ledger = 'AR' then -prepayment_amount_base else prepayment_amount_base end,
        is_cancelled, cancelled_date, null
    from settlements
    union all
    select 'EMPLOYEE_PAYABLE', org_code, approved_date, -payable_amount, false, null, null from claims
    union all
    select 'EMPLOYEE_ADVANCE', org_code, approved_date, -advance_offset, false, null, null from claims
    union all
    select 'INPUT_VAT', org_code, approved_date, deductible_tax, false, null, null from claims
    union all
    select 'EMPLOYEE_PAYABLE', org_code, payment_date, amount, is_cancelled, cancelled_date, null from claim_payments
    union all
    select 'EMPLOYEE_ADVANCE', org_code, advance_date, amount, is_cancelled, cancelled_date, null from advances
),

dated as (
    select control_type, org_code, effect_date, amount, subledger_key from effects
    union all
    select control_type, org_code, cancelled_date, -amount, subledger_key from effects
    where is_cancelled and cancelled_date is not null
),

final as (
    select
        dated.org_code,
        {{ to_period('dated.effect_date') }} as period,
        control.account_code,
        {{ money('sum(dated.amount)') }} as subledger_movement,
        count(*) as document_effects
    from dated
    inner join control
        on control.control_type = dated.control_type
        and (control.subledger_key is null or control.subledger_key = dated.subledger_key)
    where dated.amount <> 0
    group by dated.org_code, {{ to_period('dated.effect_date') }}, control.account_code
)

select * from final
