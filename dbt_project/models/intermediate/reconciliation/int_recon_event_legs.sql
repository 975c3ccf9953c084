-- The control-account legs each business event should have in the GL
-- (the posting rules restricted to control accounts), signed debit-positive.
with

lines as (
    select * from {{ ref('int_event_posting_lines') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

final as (
    select
        {{ dbt.concat(["lines.event_id", "'|'", "lines.account_code", "'|'", "lines.side"]) }} as leg_id,
        lines.event_id,
        lines.event_type,
        lines.document_no,
        lines.is_reversal,
        lines.org_code,
        lines.period,
        lines.event_date,
        lines.account_code,
        lines.side,
        lines.currency,
        lines.base_currency,
        coalesce(lines.supplier_code, lines.customer_code, lines.employee_code) as party_code,
        case when lines.side = 'D' then lines.amount_base else -lines.amount_base end as signed_base,
        -- a plain column, so joins on the sign stay hash joins
        case when (lines.side = 'D') = (lines.amount_base > 0) then 1 else -1 end as amount_sign,
        case when lines.side = 'D' then lines.amount_original else -lines.amount_original end as signed_original
    from lines
    inner join accounts
        on accounts.account_code = lines.account_code
    where accounts.is_control_account
)

select * from final
