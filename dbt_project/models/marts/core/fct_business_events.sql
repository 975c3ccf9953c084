-- One row per business event that should reach the books, with amounts in
-- document currency, in the org's base currency (with the rate used) and in
-- the group's reporting currency (base -> reporting at the GL's rate on the
-- rate date).

with

events as (

    select * from {{ ref('int_events') }}

),

rates as (

    select rate_date, from_currency, to_currency, rate from {{ ref('stg_finance__gl_fx_rates') }}

),

joined as (

    select
        events.*,
        '{{ var("reporting_currency") }}' as reporting_currency,
        case
            when events.base_currency = '{{ var("reporting_currency") }}' then {{ fx_rate('1') }}
            else rates.rate
        end as reporting_fx_rate
    from events
    left join rates
        on events.rate_date = rates.rate_date
        and events.base_currency = rates.from_currency
        and rates.to_currency = '{{ var("reporting_currency") }}'

),

final as (

    select
        -- ids
        event_id,
        event_type,
        is_reversal,
        document_no,
        related_document_no,
        source_table,
        org_code,
        period,

        -- dates
        event_date,
        document_date,
        rate_date,

        -- counterparties and dimensions
        supplier_code,
        customer_code,
        employee_code,
        dept_code,
        case
            when supplier_code is not null then 'supplier'
            when customer_code is not null then 'customer'
            when employee_code is not null then 'employee'
        end as counterparty_type,
        coalesce(supplier_code, customer_code, employee_code) as counterparty_code,
        material_group,
        bank_account,
        invoice_kind,

        -- document currency
        currency,
        net_amount,
        tax_amount,
        gross_amount,

        -- base currency
        base_currency,
        fx_rate,
        net_amount_base,
        tax_amount_base,
        gross_amount_base,

        -- reporting currency
        reporting_currency,
        reporting_fx_rate,
        {{ convert_amount('net_amount_base', 'reporting_fx_rate') }} as net_amount_rpt,
        {{ convert_amount('tax_amount_base', 'reporting_fx_rate') }} as tax_amount_rpt,
        {{ money(convert_amount('net_amount_base', 'reporting_fx_rate') ~ ' + '
                 ~ convert_amount('tax_amount_base', 'reporting_fx_rate')) }} as gross_amount_rpt
    from joined

)

select * from final
