-- Employee advances (ADV, 备用金): D 1221 the employee, C bank.
with

advances as (
    select * from {{ ref('stg_expense__employee_advances') }}
    where status in ('approved', 'cancelled')
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

basis as (
    select
        {{ event_id('ADV', 'advances.advance_no') }} as event_id,
        'ADV' as event_type,
        advances.advance_no as document_no,
        cast(null as {{ dbt.type_string() }}) as related_document_no,
        advances.org_code,
        advances.advance_date as event_date,
        advances.is_cancelled,
        advances.cancelled_date,
        orgs.base_currency,
        advances.currency,
        {{ base_rate('advances.currency', 'orgs.base_currency') }} as fx_rate,
        1 as basis_line_no,
        {{ null_text(['supplier_code', 'customer_code']) }},
        advances.employee_code,
        cast(null as {{ dbt.type_string() }}) as dept_code,
        'employee_advances' as source_table,
        {{ null_text(['material_group', 'expense_type', 'dept_function']) }},
        advances.bank_account,
        {{ null_text(['invoice_kind', 'invoice_type']) }},
        {{ convert_amount('advances.amount', base_rate('advances.currency', 'orgs.base_currency')) }}
            as advance_base,
        advances.amount as advance_orig
    from advances
    left join orgs on orgs.org_code = advances.org_code
    {{ join_rate('rates', 'advances.advance_date', 'advances.currency', 'orgs.base_currency') }}
)

{{ measures_long('basis', ['advance']) }}
