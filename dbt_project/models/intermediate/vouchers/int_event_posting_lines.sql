-- Every business event run through the posting rules (seed posting_rules):
-- the voucher lines finance should have posted. For each event, basis line and
-- line code the first matching rule by priority wins; accounts come from a
-- constant or a mapping set (seed posting_account_mappings). A line whose
-- account cannot be resolved keeps a null account: it is reported, never dropped.
with

basis as (
    select * from {{ ref('int_event_basis_lines') }}
),

rules as (
    select * from {{ ref('posting_rules') }}
    where rule_set = (select value from {{ ref('posting_settings') }} where setting = 'rule_set')
),

mappings as (
    select * from {{ ref('posting_account_mappings') }}
),

candidates as (
    select
        basis.*,
        rules.rule_set,
        rules.rule_id,
        rules.line_no as rule_line_no,
        rules.line_code,
        rules.side,
        rules.amount_basis,
        rules.account_source,
        rules.account_value,
        rules.party_dimension,
        rules.voucher_word,
        rules.summary_template,
        row_number() over (
            partition by basis.event_id, basis.basis_line_no, rules.line_code
            order by rules.priority, rules.rule_id
        ) as rule_rank
    from basis
    inner join rules
        on rules.event_type = basis.event_type
        and (
            rules.condition_column is null
            or (rules.condition_column = 'material_group' and basis.material_group = rules.condition_value)
            or (rules.condition_column = 'currency' and basis.currency = rules.condition_value)
            or (rules.condition_column = 'expense_type' and basis.expense_type = rules.condition_value)
            or (rules.condition_column = 'org_code' and basis.org_code = rules.condition_value)
        )
),

chosen as (
    select
        *,
        case account_value
            when 'INVENTORY_BY_GROUP' then material_group
            when 'BANK_BY_CURRENCY' then currency
            when 'EXPENSE_BY_FUNCTION_TYPE' then {{ dbt.concat(["dept_function", "'|'", "expense_type"]) }}
        end as mapping_key,
        case amount_basis
            when 'net' then net_base
            when 'tax' then tax_base
            when 'gross' then gross_base
        end as amount_base,
        case amount_basis
            when 'net' then net_original
            when 'tax' then tax_original
            when 'gross' then gross_original
        end as amount_original
    from candidates
    where rule_rank = 1
),

resolved as (
    select
        chosen.*,
        case chosen.account_source
            when 'constant' then chosen.account_value
            when 'mapping' then mappings.account_code
        end as account_code
    from chosen
    left join mappings
        on chosen.account_source = 'mapping'
        and mappings.mapping_set = chosen.account_value
        and mappings.match_key = chosen.mapping_key
),

dimensioned as (
    select
        resolved.*,
        case when party_dimension = 'supplier' then supplier_code end as line_supplier_code,
        case when party_dimension = 'customer' then customer_code end as line_customer_code,
        case when party_dimension in ('employee', 'employee_dept') then employee_code end as line_employee_code,
        case when party_dimension = 'employee_dept' then dept_code end as line_dept_code
    from resolved
),

final as (
    select
        event_id,
        event_type,
        org_code,
        document_no,
        is_reversal,
        event_date,
        period,
        rule_set,
        rule_id,
        rule_line_no,
        line_code,
        side,
        account_code,
        voucher_word,
        summary_template,
        currency,
        base_currency,
        fx_rate,
        line_supplier_code as supplier_code,
        line_customer_code as customer_code,
        line_employee_code as employee_code,
        line_dept_code as dept_code,
        sum(amount_base) as amount_base,
        sum(amount_original) as amount_original
    from dimensioned
    group by
        event_id, event_type, org_code, document_no, is_reversal, event_date, period, rule_set, rule_id,
        rule_line_no, line_code, side, account_code, voucher_word, summary_template, currency, base_currency,
        fx_rate, line_supplier_code, line_customer_code, line_employee_code, line_dept_code
    having sum(amount_base) <> 0 or sum(amount_original) <> 0
)

select * from final
