-- What the cash flow statement cannot classify, listed as such: per org, the
-- cash movements whose counterparty account no rule of cash_flow_rules covers
-- (reason no_rule, base currency, with their voucher); for the group, what
-- the intercompany movements between its orgs leave over per period (reason
-- intercompany_unmatched, reporting currency: cash in transit, or a payment
-- only one side booked). Both are the CF_UNCLASSIFIED line of
-- cash_flow_statement.

with

movements as (

    select * from {{ ref('int_cash_flow_movements') }}

),

rates as (

    select distinct org_code, period, average_rate, reporting_currency from {{ ref('trial_balance') }}

),

no_rule as (

    select
        movements.org_code,
        movements.period,
        'no_rule' as reason,
        movements.voucher_id,
        movements.gl_line_id,
        movements.voucher_date,
        movements.account_code,
        movements.summary,
        movements.source_document_no,
        orgs.base_currency as currency,
        movements.cash_effect as amount
    from movements
    left join {{ ref('dim_org') }} as orgs
        on movements.org_code = orgs.org_code
    where movements.line_code is null

),

intercompany as (

    select
        'GROUP' as org_code,
        movements.period,
        'intercompany_unmatched' as reason,
        cast(null as {{ dbt.type_string() }}) as voucher_id,
        cast(null as {{ dbt.type_string() }}) as gl_line_id,
        cast(null as date) as voucher_date,
        cast(null as {{ dbt.type_string() }}) as account_code,
        cast(null as {{ dbt.type_string() }}) as summary,
        cast(null as {{ dbt.type_string() }}) as source_document_no,
        max(rates.reporting_currency) as currency,
        sum({{ convert_amount('movements.cash_effect', 'rates.average_rate') }}) as amount
    from movements
    inner join rates
        on movements.org_code = rates.org_code
        and movements.period = rates.period
    where movements.counterparty_org_code is not null
    group by movements.period
    having sum({{ convert_amount('movements.cash_effect', 'rates.average_rate') }}) <> 0

),

unioned as (

    select * from no_rule
    union all
    select * from intercompany

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period", "'|'", "reason", "'|'", "coalesce(gl_line_id, '')"]) }}
            as unclassified_id,
        org_code,
        period,
        reason,
        voucher_id,
        gl_line_id,
        voucher_date,
        account_code,
        summary,
        source_document_no,
        currency,
        {{ money('amount') }} as amount
    from unioned

)

select * from final
