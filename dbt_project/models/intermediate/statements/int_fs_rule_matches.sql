-- Which statement lines each account feeds (seed fs_account_rules): per
-- statement, the rules with the longest account prefix matching the account
-- apply - all of them, so a balance-direction pair (1122 debit balances →
-- 应收账款, credit balances → 预收款项) applies together. Memo lines (其中)
-- resolve on their own, so an account can feed its line and one memo line.
-- The accounts are those of the trial balance, plus CTA (the translation
-- difference computed per org for the group view).

with

accounts as (

    select distinct account_code from {{ ref('trial_balance') }}
    union
    select 'CTA' as account_code

),

rules as (

    select
        rules.statement,
        rules.line_code,
        rules.account_prefix,
        rules.basis,
        rules.party_type,
        lines.kind = 'memo' as is_memo,
        lines.normal_side
    from {{ ref('fs_account_rules') }} as rules
    inner join {{ ref('fs_lines') }} as lines
        on rules.statement = lines.statement
        and rules.line_code = lines.line_code

),

prefixes as (

    select distinct statement, is_memo, account_prefix from rules

),

candidates as (

    select
        accounts.account_code,
        prefixes.statement,
        prefixes.is_memo,
        prefixes.account_prefix,
        row_number() over (
            partition by accounts.account_code, prefixes.statement, prefixes.is_memo
            order by {{ dbt.length('prefixes.account_prefix') }} desc
        ) as match_rank
    from accounts
    inner join prefixes
        on accounts.account_code like {{ dbt.concat(["prefixes.account_prefix", "'%'"]) }}

),

final as (

    select
        candidates.account_code,
        rules.statement,
        rules.line_code,
        rules.is_memo,
        rules.account_prefix,
        rules.basis,
        rules.party_type,
        rules.normal_side
    from candidates
    inner join rules
        on candidates.statement = rules.statement
        and candidates.is_memo = rules.is_memo
        and candidates.account_prefix = rules.account_prefix
    where candidates.match_rank = 1

)

select * from final
