-- Group trial balance in the reporting currency: the orgs' translated trial
-- balances summed per period and account (no intercompany eliminations: the
-- demo group has no intercompany trade), plus one explicit line CTA
-- (外币报表折算差额, currency translation difference) that takes what the
-- translation rates leave over, so the consolidated trial balance nets to zero.

with

translated as (

    select * from {{ ref('trial_balance') }}

),

summed as (

    select
        period,
        account_code,
        max(account_name) as account_name,
        max(account_name_en) as account_name_en,
        max(account_type) as account_type,
        max(statement) as statement,
        sum(opening_balance_rpt) as opening_balance,
        sum(period_debit_rpt) as period_debit,
        sum(period_credit_rpt) as period_credit,
        sum(translation_difference_rpt) as translation_difference,
        sum(closing_balance_rpt) as closing_balance,
        count(distinct org_code) as org_count
    from translated
    group by period, account_code

),

cta as (

    -- takes the negated totals of everything else: the translation differences
    -- and the cents that translating debits and credits separately leaves over
    select
        period,
        'CTA' as account_code,
        '外币报表折算差额' as account_name,
        'Currency translation difference' as account_name_en,
        'equity' as account_type,
        'balance_sheet' as statement,
        -sum(opening_balance) as opening_balance,
        case when sum(period_debit - period_credit) < 0 then -sum(period_debit - period_credit) else 0 end
            as period_debit,
        case when sum(period_debit - period_credit) > 0 then sum(period_debit - period_credit) else 0 end
            as period_credit,
        -sum(translation_difference) as translation_difference,
        -sum(closing_balance) as closing_balance,
        0 as org_count
    from summed
    group by period

),

unioned as (

    select * from summed
    union all
    select * from cta

),

final as (

    select
        {{ dbt.concat(["period", "'|'", "account_code"]) }} as trial_balance_id,
        'GROUP' as org_code,
        period,
        account_code,
        account_name,
        account_name_en,
        account_type,
        statement,
        '{{ var("reporting_currency") }}' as currency,
        {{ money('opening_balance') }} as opening_balance,
        {{ money('period_debit') }} as period_debit,
        {{ money('period_credit') }} as period_credit,
        {{ money('period_debit - period_credit') }} as period_net,
        {{ money('translation_difference') }} as translation_difference,
        {{ money('closing_balance') }} as closing_balance,
        account_code = 'CTA' as is_translation_line,
        org_count
    from unioned

)

select * from final
