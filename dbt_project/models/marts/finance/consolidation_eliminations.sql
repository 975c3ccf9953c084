-- Intercompany eliminations of the group view, in the reporting currency, by
-- the rules of seed elimination_rules over the parties of seed
-- int_group_counterparties (the codes under which the group's orgs appear in each
-- other's books):
--   balance      every balance an org holds against another group org on the
--                rule's accounts is taken off the line it sits on (Dr/Cr
--                reversed); the two sides cancel when both books agree;
--   balance_difference  what the two sides leave over per period and pair of
--                orgs (translation at different rates, items in transit) goes
--                to the rule's line, so the group still balances - and it is
--                listed here, never hidden (warn_intercompany_differences);
--   transaction  intercompany movements (e.g. sales to another group org) are
--                taken off their line and off offset_line_code by the same
--                amount (revenue against cost of sales: profit is unchanged).
-- balance_rpt is debit-positive; amount_rpt is in the line's own direction.

with

contributions as (

    select * from {{ ref('int_fs_line_contributions') }}

),

ic_parties as (

    select group_org_code, party_type, party_code from {{ ref('int_group_counterparties') }}

),

rules as (

    select * from {{ ref('elimination_rules') }}

),

lines as (

    select statement, line_code, case when normal_side = 'credit' then -1 else 1 end as direction
    from {{ ref('fs_lines') }}

),

-- balances --------------------------------------------------------------------------

balance_candidates as (

    select
        contributions.*,
        rules.rule_id,
        row_number() over (
            partition by contributions.org_code, contributions.period, contributions.line_code,
                contributions.account_code, contributions.party_type, contributions.party_code
            order by {{ dbt.length('rules.account_prefix') }} desc
        ) as match_rank
    from contributions
    inner join rules
        on rules.kind = 'balance'
        and contributions.statement = rules.statement
        and contributions.party_type = rules.party_type
        and contributions.account_code like {{ dbt.concat(["rules.account_prefix", "'%'"]) }}
    where not contributions.is_memo

),

balance_entries as (

    select
        balance_candidates.period,
        balance_candidates.rule_id,
        'balance' as entry_kind,
        balance_candidates.org_code,
        ic_parties.group_org_code as counterparty_org_code,
        balance_candidates.statement,
        balance_candidates.line_code,
        balance_candidates.account_code,
        balance_candidates.party_type,
        balance_candidates.party_code,
        -balance_candidates.amount_rpt as amount_rpt,
        -balance_candidates.balance_rpt as balance_rpt
    from balance_candidates
    inner join ic_parties
        on balance_candidates.party_type = ic_parties.party_type
        and balance_candidates.party_code = ic_parties.party_code
        and balance_candidates.org_code <> ic_parties.group_org_code
    where balance_candidates.match_rank = 1

),

pair_differences as (

    -- per pair of orgs: what the eliminated balances of both sides leave over
    select
        period,
        case when org_code < counterparty_org_code then org_code else counterparty_org_code end as org_code,
        case when org_code < counterparty_org_code then counterparty_org_code else org_code end
            as counterparty_org_code,
        -sum(balance_rpt) as balance_rpt
    from balance_entries
    group by 1, 2, 3

),

difference_entries as (

    select
        pair_differences.period,
        rules.rule_id,
        'balance_difference' as entry_kind,
        pair_differences.org_code,
        pair_differences.counterparty_org_code,
        rules.statement,
        rules.offset_line_code as line_code,
        cast(null as {{ dbt.type_string() }}) as account_code,
        cast(null as {{ dbt.type_string() }}) as party_type,
        cast(null as {{ dbt.type_string() }}) as party_code,
        lines.direction * pair_differences.balance_rpt as amount_rpt,
        pair_differences.balance_rpt
    from pair_differences
    inner join rules
        on rules.kind = 'balance_difference'
    inner join lines
        on rules.statement = lines.statement
        and rules.offset_line_code = lines.line_code
    where pair_differences.balance_rpt <> 0

),

-- transactions ---------------------------------------------------------------------------

transaction_rules as (

    select * from rules where kind = 'transaction'

),

gl_candidates as (

    select
        gl.org_code,
        gl.period,
        gl.account_code,
        transaction_rules.rule_id,
        transaction_rules.statement,
        transaction_rules.party_type,
        transaction_rules.offset_line_code,
        case transaction_rules.party_type
            when 'customer' then gl.customer_code
            when 'supplier' then gl.supplier_code
        end as party_code,
        gl.debit - gl.credit as amount,
        row_number() over (
            partition by gl.gl_line_id order by {{ dbt.length('transaction_rules.account_prefix') }} desc
        ) as match_rank
    from {{ ref('fct_gl_lines') }} as gl
    inner join transaction_rules
        on gl.account_code like {{ dbt.concat(["transaction_rules.account_prefix", "'%'"]) }}

),

ic_movements as (

    select
        gl_candidates.org_code,
        gl_candidates.period,
        gl_candidates.rule_id,
        gl_candidates.statement,
        gl_candidates.offset_line_code,
        gl_candidates.account_code,
        gl_candidates.party_type,
        gl_candidates.party_code,
        ic_parties.group_org_code as counterparty_org_code,
        sum(gl_candidates.amount) as period_net
    from gl_candidates
    inner join ic_parties
        on gl_candidates.party_type = ic_parties.party_type
        and gl_candidates.party_code = ic_parties.party_code
        and gl_candidates.org_code <> ic_parties.group_org_code
    where gl_candidates.match_rank = 1
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

ic_translated as (

    select
        ic_movements.*,
        {{ convert_amount('ic_movements.period_net', 'rates.average_rate') }} as period_net_rpt
    from ic_movements
    inner join (select distinct org_code, period, average_rate from {{ ref('trial_balance') }}) as rates
        on ic_movements.org_code = rates.org_code
        and ic_movements.period = rates.period

),

transaction_entries as (

    -- the movement taken off its own line ...
    select
        ic_translated.period,
        ic_translated.rule_id,
        'transaction' as entry_kind,
        ic_translated.org_code,
        ic_translated.counterparty_org_code,
        ic_translated.statement,
        matches.line_code,
        ic_translated.account_code,
        ic_translated.party_type,
        ic_translated.party_code,
        -lines.direction * ic_translated.period_net_rpt as amount_rpt,
        -ic_translated.period_net_rpt as balance_rpt
    from ic_translated
    inner join {{ ref('int_fs_rule_matches') }} as matches
        on ic_translated.account_code = matches.account_code
        and ic_translated.statement = matches.statement
        and not matches.is_memo
    inner join lines
        on matches.statement = lines.statement
        and matches.line_code = lines.line_code

    union all

    -- ... and off the offset line by the same amount
    select
        ic_translated.period,
        ic_translated.rule_id,
        'transaction_offset' as entry_kind,
        ic_translated.org_code,
        ic_translated.counterparty_org_code,
        ic_translated.statement,
        ic_translated.offset_line_code as line_code,
        ic_translated.account_code,
        ic_translated.party_type,
        ic_translated.party_code,
        lines.direction * ic_translated.period_net_rpt as amount_rpt,
        ic_translated.period_net_rpt as balance_rpt
    from ic_translated
    inner join lines
        on ic_translated.statement = lines.statement
        and ic_translated.offset_line_code = lines.line_code

),

entries as (

    select * from balance_entries
    union all
    select * from difference_entries
    union all
    select * from transaction_entries

),

final as (

    select
        {{ dbt.concat(["period", "'|'", "rule_id", "'|'", "entry_kind", "'|'", "org_code", "'|'",
                       "counterparty_org_code", "'|'", "line_code", "'|'", "coalesce(account_code, '')", "'|'",
                       "coalesce(party_code, '')"]) }} as elimination_id,
        period,
        rule_id,
        entry_kind,
        org_code,
        counterparty_org_code,
        statement,
        line_code,
        account_code,
        party_type,
        party_code,
        '{{ var("reporting_currency") }}' as currency,
        {{ money('amount_rpt') }} as amount,
        {{ money('balance_rpt') }} as balance
    from entries
    where amount_rpt <> 0 or balance_rpt <> 0

)

select * from final
