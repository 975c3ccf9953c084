-- The figures behind every balance-sheet and income-statement line: per org
-- (base currency) what each account - and, for balance-direction rules, each
-- customer or supplier - contributes; for the group (org_code = 'GROUP',
-- reporting currency) each org's translated total and each elimination entry.
-- The statements are the sums of these rows; the app drills from a line to
-- them, and from an account to its GL lines.

with

contributions as (

    select * from {{ ref('int_fs_line_contributions') }}

),

eliminations as (

    select * from {{ ref('consolidation_eliminations') }}

),

org_rows as (

    select
        org_code,
        period,
        statement,
        line_code,
        is_memo,
        'account' as entry_kind,
        org_code as source_org_code,
        cast(null as {{ dbt.type_string() }}) as counterparty_org_code,
        account_code,
        party_type,
        party_code,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        currency,
        amount,
        balance
    from contributions

),

group_org_totals as (

    select
        'GROUP' as org_code,
        period,
        statement,
        line_code,
        is_memo,
        'org_total' as entry_kind,
        org_code as source_org_code,
        cast(null as {{ dbt.type_string() }}) as counterparty_org_code,
        cast(null as {{ dbt.type_string() }}) as account_code,
        cast(null as {{ dbt.type_string() }}) as party_type,
        cast(null as {{ dbt.type_string() }}) as party_code,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        max(reporting_currency) as currency,
        sum(amount_rpt) as amount,
        sum(balance_rpt) as balance
    from contributions
    group by period, statement, line_code, is_memo, org_code

),

group_eliminations as (

    select
        'GROUP' as org_code,
        period,
        statement,
        line_code,
        false as is_memo,
        entry_kind,
        org_code as source_org_code,
        counterparty_org_code,
        account_code,
        party_type,
        party_code,
        rule_id,
        currency,
        amount,
        balance
    from eliminations

),

unioned as (

    select * from org_rows
    union all
    select * from group_org_totals
    union all
    select * from group_eliminations

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period", "'|'", "statement", "'|'", "line_code", "'|'", "entry_kind",
                       "'|'", "source_org_code", "'|'", "coalesce(counterparty_org_code, '')", "'|'",
                       "coalesce(account_code, '')", "'|'",
                       "coalesce(party_type, '')", "'|'", "coalesce(party_code, '')", "'|'",
                       "coalesce(rule_id, '')"]) }} as line_detail_id,
        org_code,
        period,
        statement,
        line_code,
        is_memo,
        entry_kind,
        source_org_code,
        counterparty_org_code,
        account_code,
        party_type,
        party_code,
        rule_id,
        currency,
        {{ money('amount') }} as amount,
        {{ money('balance') }} as balance
    from unioned

)

select * from final
