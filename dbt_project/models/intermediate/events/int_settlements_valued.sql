-- Supplier payments and customer receipts with every figure their voucher needs, in the
-- org's base currency at the settlement date's rate:
--   allocated / carrying: what the allocation lines settle (document currency / carrying amount)
--   prepayment: amount − allocated (1123 for suppliers, 2203 for customers)
--   fee: the bank's fee (660303); paying, the bank is credited with amount + fee; receiving,
--        it is debited with amount − fee
--   realized_fx: what balances the voucher (660304), debit-positive: paying,
--        bank − fee − prepayment − carrying; receiving, carrying + prepayment − bank − fee.

with

payments as (
    select
        'AP' as ledger, payment_no as settlement_no, org_code, supplier_code as party_code,
        payment_date as settlement_date, currency, amount, coalesce(bank_fee, 0) as fee, bank_account,
        is_cancelled, cancelled_date
    from {{ ref('stg_erp__supplier_payments') }}
    where status in ('approved', 'cancelled')
),

receipts as (
    select
        'AR' as ledger, receipt_no as settlement_no, org_code, customer_code as party_code,
        receipt_date as settlement_date, currency, amount, coalesce(bank_fee, 0) as fee, bank_account,
        is_cancelled, cancelled_date
    from {{ ref('stg_erp__customer_receipts') }}
    where status in ('approved', 'cancelled')
),

settlements as (
    select * from payments
    union all
    select * from receipts
),

allocated as (
    select
        ledger,
        settlement_no,
        sum(amount) as allocated_amount,
        sum(carrying_amount_base) as carrying_amount_base,
        count(*) as allocation_count,
        min(invoice_no) as first_invoice_no
    from {{ ref('int_settlement_allocations') }}
    group by ledger, settlement_no
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

joined as (
    select
        settlements.*,
        orgs.base_currency,
        {{ base_rate('settlements.currency', 'orgs.base_currency') }} as fx_rate,
        coalesce(allocated.allocated_amount, 0) as allocated_amount,
        coalesce(allocated.carrying_amount_base, 0) as carrying_amount_base,
        coalesce(allocated.allocation_count, 0) as allocation_count,
        allocated.first_invoice_no
    from settlements
    left join allocated
        on allocated.ledger = settlements.ledger and allocated.settlement_no = settlements.settlement_no
    left join orgs on orgs.org_code = settlements.org_code
    {{ join_rate('rates', 'settlements.settlement_date', 'settlements.currency', 'orgs.base_currency') }}
),

valued as (
    select
        *,
        {{ money('amount - allocated_amount') }} as prepayment_amount,
        {{ convert_amount('amount - allocated_amount', 'fx_rate') }} as prepayment_amount_base,
        {{ convert_amount('fee', 'fx_rate') }} as fee_base,
        {{ money("case when ledger = 'AP' then amount + fee else amount - fee end") }} as bank_amount,
        {{ convert_amount("case when ledger = 'AP' then amount + fee else amount - fee end", 'fx_rate') }}
            as bank_amount_base
    from joined
),

final as (
    select
        *,
        {{ money("case when ledger = 'AP'
            then bank_amount_base - fee_base - prepayment_amount_base - carrying_amount_base
            else carrying_amount_base + prepayment_amount_base - bank_amount_base - fee_base end") }}
            as realized_fx_base
    from valued
)

select * from final
