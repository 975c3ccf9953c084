-- Balances the statements are made of, per org, period, account and - where a
-- balance-sheet rule takes balances per party (fs_account_rules.party_type) -
-- per customer / supplier / employee. Debit-positive, in the org's base
-- currency and translated into the reporting currency as the trial balance
-- does (balance-sheet balances at the closing rate, P&L as the sum of
-- movements at average rates).
--
-- period_net_statement is the movement the income statement reports: without
-- the vouchers that close P&L into 本年利润 (结转损益: only P&L accounts and the
-- profit-closing account of seed fs_settings), so a ledger that closes
-- monthly or yearly reports the same revenue and costs as one that never does.
--
-- One more line per org, account CTA, takes what translation leaves over
-- (including the cents of translating party balances one by one), so each
-- org's translated balances still sum to zero; it is 0 in base currency.

with

tb as (

    select * from {{ ref('trial_balance') }}

),

party_accounts as (

    select distinct account_code, party_type
    from {{ ref('int_fs_rule_matches') }}
    where statement = 'balance_sheet' and not is_memo and party_type is not null

),

closing_prefix as (

    select value as account_prefix from {{ ref('fs_settings') }} where setting = 'profit_closing_account_prefix'

),

gl_lines as (

    select
        lines.*,
        coalesce(accounts.statement = 'income_statement', false) as is_pl,
        exists (
            select 1 from closing_prefix
            where lines.account_code like {{ dbt.concat(["closing_prefix.account_prefix", "'%'"]) }}
        ) as is_profit_closing
    from {{ ref('fct_gl_lines') }} as lines
    left join {{ ref('dim_account') }} as accounts
        on lines.account_code = accounts.account_code

),

closing_vouchers as (

    select voucher_id
    from gl_lines
    group by voucher_id
    having min(case when is_pl or is_profit_closing then 1 else 0 end) = 1
        and max(case when is_profit_closing then 1 else 0 end) = 1

),

closing_movements as (

    select gl_lines.org_code, gl_lines.period, gl_lines.account_code, sum(gl_lines.debit - gl_lines.credit) as amount
    from gl_lines
    inner join closing_vouchers
        on gl_lines.voucher_id = closing_vouchers.voucher_id
    group by gl_lines.org_code, gl_lines.period, gl_lines.account_code

),

org_periods as (

    select distinct org_code, period, average_rate, closing_rate from tb

),

account_level as (

    select
        tb.org_code,
        tb.period,
        tb.account_code,
        tb.statement as account_statement,
        cast(null as {{ dbt.type_string() }}) as party_type,
        cast(null as {{ dbt.type_string() }}) as party_code,
        tb.period_net,
        tb.closing_balance,
        {{ money('tb.period_debit_rpt - tb.period_credit_rpt') }} as period_net_rpt,
        tb.closing_balance_rpt,
        {{ money('tb.period_net - coalesce(closing_movements.amount, 0)') }} as period_net_statement,
        {{ money('tb.period_debit_rpt - tb.period_credit_rpt - '
                 ~ convert_amount('coalesce(closing_movements.amount, 0)', 'tb.average_rate')) }}
            as period_net_statement_rpt
    from tb
    left join party_accounts
        on tb.account_code = party_accounts.account_code
    left join closing_movements
        on tb.org_code = closing_movements.org_code
        and tb.period = closing_movements.period
        and tb.account_code = closing_movements.account_code
    where party_accounts.account_code is null

),

party_lines as (

    select
        lines.org_code,
        lines.period,
        lines.account_code,
        party_accounts.party_type,
        coalesce(case party_accounts.party_type
            when 'customer' then lines.customer_code
            when 'supplier' then lines.supplier_code
            when 'employee' then lines.employee_code
        end, '(none)') as party_code,
        lines.debit - lines.credit as amount
    from gl_lines as lines
    inner join party_accounts
        on lines.account_code = party_accounts.account_code

),

party_movements as (

    select org_code, period, account_code, party_type, party_code, sum(amount) as period_net
    from party_lines
    group by org_code, period, account_code, party_type, party_code

),

party_keys as (

    select distinct org_code, account_code, party_type, party_code from party_movements

),

party_grid as (

    select
        party_keys.*,
        org_periods.period,
        org_periods.average_rate,
        org_periods.closing_rate
    from party_keys
    inner join org_periods
        on party_keys.org_code = org_periods.org_code

),

party_cumulated as (

    select
        party_grid.org_code,
        party_grid.period,
        party_grid.account_code,
        party_grid.party_type,
        party_grid.party_code,
        party_grid.average_rate,
        party_grid.closing_rate,
        coalesce(party_movements.period_net, 0) as period_net,
        sum(coalesce(party_movements.period_net, 0)) over (
            partition by party_grid.org_code, party_grid.account_code, party_grid.party_type,
                party_grid.party_code
            order by party_grid.period rows between unbounded preceding and current row
        ) as closing_balance
    from party_grid
    left join party_movements
        on party_grid.org_code = party_movements.org_code
        and party_grid.period = party_movements.period
        and party_grid.account_code = party_movements.account_code
        and party_grid.party_type = party_movements.party_type
        and party_grid.party_code = party_movements.party_code

),

party_translated as (

    select
        party_cumulated.org_code,
        party_cumulated.period,
        party_cumulated.account_code,
        accounts.statement as account_statement,
        party_cumulated.party_type,
        party_cumulated.party_code,
        {{ money('party_cumulated.period_net') }} as period_net,
        {{ money('party_cumulated.closing_balance') }} as closing_balance,
        {{ convert_amount('party_cumulated.period_net', 'party_cumulated.average_rate') }} as period_net_rpt,
        {{ convert_amount('party_cumulated.closing_balance', 'party_cumulated.closing_rate') }}
            as closing_balance_at_closing_rate
    from party_cumulated
    left join {{ ref('dim_account') }} as accounts
        on party_cumulated.account_code = accounts.account_code

),

party_level as (

    -- P&L balances (should a rule take them per party) translate as the sum of their movements
    select
        org_code,
        period,
        account_code,
        account_statement,
        party_type,
        party_code,
        period_net,
        closing_balance,
        period_net_rpt,
        case when account_statement = 'income_statement'
            then {{ money('sum(period_net_rpt) over (
                partition by org_code, account_code, party_type, party_code
                order by period rows between unbounded preceding and current row)') }}
            else closing_balance_at_closing_rate
        end as closing_balance_rpt,
        period_net as period_net_statement,
        period_net_rpt as period_net_statement_rpt
    from party_translated

),

accounts_and_parties as (

    select * from account_level
    union all
    select * from party_level

),

translation_difference as (

    select
        org_code,
        period,
        -sum(closing_balance_rpt) as closing_balance_rpt
    from accounts_and_parties
    group by org_code, period

),

cta as (

    select
        org_code,
        period,
        'CTA' as account_code,
        'balance_sheet' as account_statement,
        cast(null as {{ dbt.type_string() }}) as party_type,
        cast(null as {{ dbt.type_string() }}) as party_code,
        {{ money('0') }} as period_net,
        {{ money('0') }} as closing_balance,
        {{ money('closing_balance_rpt - coalesce(lag(closing_balance_rpt) over (
            partition by org_code order by period), 0)') }} as period_net_rpt,
        {{ money('closing_balance_rpt') }} as closing_balance_rpt,
        {{ money('0') }} as period_net_statement,
        {{ money('closing_balance_rpt - coalesce(lag(closing_balance_rpt) over (
            partition by org_code order by period), 0)') }} as period_net_statement_rpt
    from translation_difference

),

final as (

    select * from accounts_and_parties
    union all
    select * from cta

)

select * from final
