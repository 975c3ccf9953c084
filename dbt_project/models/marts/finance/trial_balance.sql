-- Trial balance (科目余额表) per org, period and account in the org's base
-- currency: opening (= previous closing), period debits and credits, closing.
-- Balances are debit-positive (closing_balance = Σ debit − Σ credit to date);
-- *_normal columns show them in the account's normal direction.
--
-- Translation into the reporting currency (for consolidation): period
-- movements at the period's average rate, balance-sheet closing balances at
-- the closing rate, P&L closing balances as the sum of translated movements.
-- translation_difference_rpt is what the rates leave over per account; the
-- consolidated trial balance carries its total in an explicit CTA line.

with

balances as (

    select * from {{ ref('int_gl_account_balances') }}

),

accounts as (

    select * from {{ ref('dim_account') }}

),

orgs as (

    select * from {{ ref('dim_org') }}

),

rates as (

    select * from {{ ref('int_fx_period_rates') }}

),

cumulated as (

    select
        balances.*,
        {{ money('period_debit - period_credit') }} as period_net,
        {{ money('sum(period_debit - period_credit) over (
            partition by balances.org_code, balances.account_code
            order by balances.period rows between unbounded preceding and current row
        )') }} as closing_balance
    from balances

),

with_rates as (

    select
        cumulated.*,
        accounts.account_name,
        accounts.account_name_en,
        accounts.account_type,
        accounts.normal_balance,
        accounts.statement,
        orgs.base_currency as currency,
        orgs.reporting_currency,
        case when orgs.base_currency = orgs.reporting_currency then {{ fx_rate('1') }} else rates.average_rate end
            as average_rate,
        case when orgs.base_currency = orgs.reporting_currency then {{ fx_rate('1') }} else rates.closing_rate end
            as closing_rate
    from cumulated
    left join accounts
        on cumulated.account_code = accounts.account_code
    left join orgs
        on cumulated.org_code = orgs.org_code
    left join rates
        on cumulated.period = rates.period
        and orgs.base_currency = rates.from_currency
        and orgs.reporting_currency = rates.to_currency

),

translated as (

    select
        *,
        {{ convert_amount('period_debit', 'average_rate') }} as period_debit_rpt,
        {{ convert_amount('period_credit', 'average_rate') }} as period_credit_rpt
    from with_rates

),

translated_closing as (

    select
        *,
        case
            when statement = 'income_statement' then {{ money('sum(period_debit_rpt - period_credit_rpt) over (
                partition by org_code, account_code
                order by period rows between unbounded preceding and current row
            )') }}
            else {{ convert_amount('closing_balance', 'closing_rate') }}
        end as closing_balance_rpt
    from translated

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period", "'|'", "account_code"]) }} as trial_balance_id,
        org_code,
        period,
        account_code,
        account_name,
        account_name_en,
        account_type,
        normal_balance,
        statement,
        currency,
        {{ money('closing_balance - period_net') }} as opening_balance,
        period_debit,
        period_credit,
        period_net,
        closing_balance,
        {{ money("case when normal_balance = 'credit' then -(closing_balance - period_net)
                 else closing_balance - period_net end") }} as opening_balance_normal,
        {{ money("case when normal_balance = 'credit' then -closing_balance else closing_balance end") }}
            as closing_balance_normal,
        reporting_currency,
        average_rate,
        closing_rate,
        {{ money('coalesce(lag(closing_balance_rpt) over (
            partition by org_code, account_code order by period), 0)') }} as opening_balance_rpt,
        period_debit_rpt,
        period_credit_rpt,
        closing_balance_rpt,
        {{ money('closing_balance_rpt - coalesce(lag(closing_balance_rpt) over (
            partition by org_code, account_code order by period), 0)
            - (period_debit_rpt - period_credit_rpt)') }} as translation_difference_rpt
    from translated_closing

)

select * from final
