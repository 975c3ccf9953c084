-- Selling (6601xx) and administrative (6602xx) expenses as booked in the GL,
-- per org, period, department and expense account, in the org's base
-- currency and translated into the reporting currency at the period's average
-- rate. Lines without a department (payroll accruals, depreciation) are under
-- dept_code '(none)'. The group (org_code 'GROUP') adds the orgs up in the
-- reporting currency.

with

lines as (

    select * from {{ ref('fct_gl_lines') }}
    where account_code like '6601%' or account_code like '6602%'

),

departments as (

    select * from {{ ref('dim_department') }}

),

orgs as (

    select * from {{ ref('dim_org') }}

),

rates as (

    select * from {{ ref('int_fx_period_rates') }}

),

aggregated as (

    select
        org_code,
        period,
        coalesce(dept_code, '(none)') as dept_code,
        account_code,
        max(account_name) as account_name,
        count(*) as line_count,
        sum(debit - credit) as amount
    from lines
    group by org_code, period, coalesce(dept_code, '(none)'), account_code

),

org_rows as (

    select
        {{ dbt.concat(["aggregated.org_code", "'|'", "aggregated.period", "'|'", "aggregated.dept_code", "'|'",
                       "aggregated.account_code"]) }} as expense_id,
        aggregated.org_code,
        aggregated.period,
        aggregated.dept_code,
        departments.dept_name,
        departments.dept_name_en,
        departments.dept_function,
        aggregated.account_code,
        aggregated.account_name,
        accounts.account_name_en,
        case when aggregated.account_code like '6601%' then 'selling' else 'administrative' end as expense_category,
        aggregated.line_count,
        orgs.base_currency as currency,
        {{ money('aggregated.amount') }} as amount,
        orgs.reporting_currency,
        {{ convert_amount('aggregated.amount',
            "case when orgs.base_currency = orgs.reporting_currency then 1 else rates.average_rate end") }}
            as amount_rpt
    from aggregated
    left join departments
        on aggregated.dept_code = departments.dept_code
    left join {{ ref('dim_account') }} as accounts
        on aggregated.account_code = accounts.account_code
    left join orgs
        on aggregated.org_code = orgs.org_code
    left join rates
        on aggregated.period = rates.period
        and orgs.base_currency = rates.from_currency
        and orgs.reporting_currency = rates.to_currency

),

group_rows as (

    select
        {{ dbt.concat(["'GROUP|'", "period", "'|'", "dept_code", "'|'", "account_code"]) }} as expense_id,
        'GROUP' as org_code,
        period,
        dept_code,
        max(dept_name) as dept_name,
        max(dept_name_en) as dept_name_en,
        max(dept_function) as dept_function,
        account_code,
        max(account_name) as account_name,
        max(account_name_en) as account_name_en,
        max(expense_category) as expense_category,
        sum(line_count) as line_count,
        max(reporting_currency) as currency,
        {{ money('sum(amount_rpt)') }} as amount,
        max(reporting_currency) as reporting_currency,
        {{ money('sum(amount_rpt)') }} as amount_rpt
    from org_rows
    group by period, dept_code, account_code

),

final as (

    select * from org_rows
    union all
    select * from group_rows

)

select * from final
