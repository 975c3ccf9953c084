-- The amounts a posting rule can take, one row per event and basis line.
-- Most events have one basis line; an approved expense claim has one per claim
-- line, so that each expense type reaches its own account.
with

events as (
    select * from {{ ref('fct_business_events') }}
),

claim_lines as (
    select * from {{ ref('int_expense_claim_lines_vat') }}
),

departments as (
    select * from {{ ref('dim_department') }}
),

single_line as (
    select
        event_id,
        1 as basis_line_no,
        cast(null as {{ dbt.type_string() }}) as expense_type,
        net_amount as net_original,
        tax_amount as tax_original,
        gross_amount as gross_original,
        net_amount_base as net_base,
        tax_amount_base as tax_base,
        gross_amount_base as gross_base
    from events
    where event_type <> 'EC_APPROVE'
),

claim_basis as (
    select
        events.event_id,
        claim_lines.line_no as basis_line_no,
        claim_lines.expense_type,
        claim_lines.amount - claim_lines.deductible_tax as net_original,
        claim_lines.deductible_tax as tax_original,
        claim_lines.amount as gross_original,
        claim_lines.amount - claim_lines.deductible_tax as net_base,
        claim_lines.deductible_tax as tax_base,
        claim_lines.amount as gross_base
    from events
    inner join claim_lines
        on claim_lines.claim_id = events.document_no
    where events.event_type = 'EC_APPROVE'
),

unioned as (
    select * from single_line
    union all
    select * from claim_basis
),

final as (
    select
        unioned.*,
        events.event_type,
        events.org_code,
        events.document_no,
        events.is_reversal,
        events.event_date,
        events.period,
        events.currency,
        events.base_currency,
        events.fx_rate,
        events.material_group,
        events.supplier_code,
        events.customer_code,
        events.employee_code,
        events.dept_code,
        departments.dept_function
    from unioned
    inner join events on events.event_id = unioned.event_id
    left join departments on departments.dept_code = events.dept_code
)

select * from final
