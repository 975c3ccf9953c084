-- Deliveries: the cost of the goods delivered, already in the org's base currency.
-- measure cost: D 6401 cost of sales, C 1405 inventory.
with

deliveries as (
    select * from {{ ref('stg_erp__deliveries') }}
    where status in ('approved', 'cancelled')
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

basis as (
    select
        {{ event_id('DN', 'deliveries.delivery_no') }} as event_id,
        'DN' as event_type,
        deliveries.delivery_no as document_no,
        deliveries.so_no as related_document_no,
        deliveries.org_code,
        deliveries.delivery_date as event_date,
        deliveries.is_cancelled,
        deliveries.cancelled_date,
        orgs.base_currency,
        orgs.base_currency as currency,
        {{ fx_rate('1') }} as fx_rate,
        1 as basis_line_no,
        cast(null as {{ dbt.type_string() }}) as supplier_code,
        deliveries.customer_code,
        {{ null_text(['employee_code', 'dept_code']) }},
        'deliveries' as source_table,
        'GOODS' as material_group,
        {{ null_text(['expense_type', 'dept_function', 'bank_account', 'invoice_kind', 'invoice_type']) }},
        deliveries.cost_amount as cost_base,
        deliveries.cost_amount as cost_orig
    from deliveries
    left join orgs on orgs.org_code = deliveries.org_code
)

{{ measures_long('basis', ['cost']) }}
