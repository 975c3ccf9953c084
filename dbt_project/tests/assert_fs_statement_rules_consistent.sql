-- The statement seeds hold together: rules name item or memo lines of their
-- statement; the rows of one prefix either take the whole balance (one net
-- row) or split it by side (one debit_balance and one credit_balance row per
-- party type); income statement rules are net; every subtotal / total has a
-- formula and nothing else has one; formulas expand to item lines; cash flow
-- rules name cash flow item lines and a prefix's directions do not overlap.

with

lines as (select * from {{ ref('fs_lines') }}),
rules as (select * from {{ ref('fs_account_rules') }}),
formulas as (select * from {{ ref('fs_line_formulas') }}),
cash_rules as (select * from {{ ref('cash_flow_rules') }}),

rule_line_problems as (

    select 'rule names no item / memo line' as problem, rules.statement, rules.line_code, rules.account_prefix
    from rules
    left join lines
        on rules.statement = lines.statement and rules.line_code = lines.line_code
        and lines.kind in ('item', 'memo')
    where lines.line_code is null

),

prefix_problems as (

    select
        'a prefix must have one net row or a debit_balance + credit_balance pair' as problem,
        rules.statement,
        max(rules.line_code) as line_code,
        rules.account_prefix
    from rules
    inner join lines
        on rules.statement = lines.statement and rules.line_code = lines.line_code
    group by rules.statement, rules.account_prefix, lines.kind = 'memo'
    having not (
        (count(*) = 1 and max(rules.basis) = 'net')
        or (count(*) = 2 and min(rules.basis) = 'credit_balance' and max(rules.basis) = 'debit_balance'
            and count(distinct rules.party_type) = 1 and min(rules.party_type) is not null)
    )
    or (rules.statement = 'income_statement' and max(rules.basis) <> 'net')

),

formula_problems as (

    select 'subtotal / total without a formula' as problem, lines.statement, lines.line_code,
        cast(null as {{ dbt.type_string() }}) as account_prefix
    from lines
    left join (select distinct statement, line_code from formulas) as f
        on lines.statement = f.statement and lines.line_code = f.line_code
    where lines.kind in ('subtotal', 'total') and f.line_code is null
    union all
    select 'formula on a line that is not a subtotal / total', formulas.statement, formulas.line_code, null
    from formulas
    inner join lines
        on formulas.statement = lines.statement and formulas.line_code = lines.line_code
    where lines.kind not in ('subtotal', 'total')
    union all
    select 'formula component is not a line of the statement', formulas.statement, formulas.component_line_code, null
    from formulas
    left join lines
        on formulas.statement = lines.statement and formulas.component_line_code = lines.line_code
    where lines.line_code is null
    union all
    select 'formula does not expand to item lines', statement, line_code, null
    from {{ ref('int_fs_formula_leaves') }}
    where is_unexpanded

),

cash_problems as (

    select 'cash flow rule names no cash flow item line' as problem, 'cash_flow' as statement,
        cash_rules.line_code, cash_rules.account_prefix
    from cash_rules
    left join lines
        on lines.statement = 'cash_flow' and cash_rules.line_code = lines.line_code and lines.kind = 'item'
    where cash_rules.role = 'counterparty' and lines.line_code is null
    union all
    select 'cash flow prefix: one any row, or inflow and/or outflow rows', 'cash_flow', max(line_code),
        account_prefix
    from cash_rules
    where role = 'counterparty'
    group by account_prefix
    having count(*) <> count(distinct direction)
        or (count(*) > 1 and max(case when direction = 'any' then 1 else 0 end) = 1)

)

select * from rule_line_problems
union all
select * from prefix_problems
union all
select * from formula_problems
union all
select * from cash_problems
