-- The control-account legs each business event should have in the GL: its posting lines on
-- control accounts, one leg per event, account and sign, debit-positive. A leg's party is the
-- line's (or null: VAT, inventory and GR/IR legs are matched on the document reference, and a
-- missing party never makes two lines equal).
with

lines as (
    select * from {{ ref('int_event_posting_lines') }}
),

accounts as (
    select account_code from {{ ref('dim_account') }} where is_control_account
),

signed as (
    select
        lines.*,
        case when lines.side = 'D' then lines.amount_base else -lines.amount_base end as signed_base,
        case when lines.side = 'D' then lines.amount_original else -lines.amount_original end as signed_original,
        coalesce(lines.supplier_code, lines.customer_code, lines.employee_code) as line_party
    from lines
    inner join accounts on accounts.account_code = lines.account_code
),

grouped as (
    select
        event_id,
        min(event_type) as event_type,
        min(document_no) as document_no,
        {{ dbt.bool_or('is_reversal') }} as is_reversal,
        min(org_code) as org_code,
        min(period) as period,
        min(event_date) as event_date,
        account_code,
        min(currency) as currency,
        min(base_currency) as base_currency,
        case when count(distinct line_party) = 1 then min(line_party) end as party_code,
        -- a plain column, so joins on the sign stay hash joins
        case when sum(signed_base) > 0 or (sum(signed_base) = 0 and sum(signed_original) >= 0) then 1 else -1 end
            as amount_sign,
        sum(signed_base) as signed_base,
        sum(signed_original) as signed_original
    from signed
    group by event_id, account_code, case when signed_base > 0 or (signed_base = 0 and signed_original >= 0) then 1 else -1 end
),

final as (
    select
        {{ dbt.concat(["event_id", "'|'", "account_code", "'|'", "cast(amount_sign as " ~ dbt.type_string() ~ ")"]) }}
            as leg_id,
        *
    from grouped
)

select * from final
