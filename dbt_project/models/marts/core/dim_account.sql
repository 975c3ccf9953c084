-- The chart of accounts with account type, normal balance and the
-- control-account flag (seed control_accounts), and the statement line each
-- account rolls into (seed statement_lines, longest matching prefix wins).

with

accounts as (

    select * from {{ ref('stg_finance__gl_accounts') }}

),

type_mapping as (

    select * from {{ ref('account_type_mapping') }}

),

control_accounts as (

    select cast(account_code as {{ dbt.type_string() }}) as account_code, control_type, subledger
    from {{ ref('control_accounts') }}

),

statement_lines as (

    select * from {{ ref('statement_lines') }}

),

line_candidates as (

    select
        accounts.account_code,
        statement_lines.line_code,
        statement_lines.line_name,
        statement_lines.line_name_en,
        statement_lines.line_order,
        row_number() over (
            partition by accounts.account_code
            order by {{ dbt.length('statement_lines.account_prefix') }} desc
        ) as match_rank
    from accounts
    inner join statement_lines
        on accounts.account_code like {{ dbt.concat(["statement_lines.account_prefix", "'%'"]) }}

),

final as (

    select
        accounts.account_code,
        accounts.account_name,
        accounts.account_name_en,
        accounts.account_category,
        accounts.balance_direction,
        type_mapping.account_type,
        type_mapping.normal_balance,
        type_mapping.statement,
        accounts.parent_code,
        accounts.level as account_level,
        {{ dbt.length('accounts.account_code') }} = 4 as is_top_level,
        control_accounts.account_code is not null as is_control_account,
        control_accounts.control_type,
        control_accounts.subledger,
        coalesce(line_candidates.line_code, 'OTHER') as statement_line_code,
        coalesce(line_candidates.line_name, '其他') as statement_line_name,
        coalesce(line_candidates.line_name_en, 'Other') as statement_line_name_en,
        coalesce(line_candidates.line_order, 900) as statement_line_order
    from accounts
    left join type_mapping
        on accounts.account_category = type_mapping.account_category
        and accounts.balance_direction = type_mapping.balance_direction
    left join control_accounts
        on accounts.account_code = control_accounts.account_code
    left join line_candidates
        on accounts.account_code = line_candidates.account_code and line_candidates.match_rank = 1

)

select * from final
