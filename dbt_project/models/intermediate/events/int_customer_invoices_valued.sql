-- Customer invoices with their booked base-currency values (invoice date's rate).

with

headers as (
    select * from {{ ref('stg_erp__customer_invoices') }}
    where status in ('approved', 'cancelled')
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

joined as (
    select
        headers.*,
        orgs.base_currency,
        {{ base_rate('headers.currency', 'orgs.base_currency') }} as fx_rate
    from headers
    left join orgs on orgs.org_code = headers.org_code
    {{ join_rate('rates', 'headers.invoice_date', 'headers.currency', 'orgs.base_currency') }}
),

final as (
    select
        invoice_no,
        org_code,
        customer_code,
        so_no,
        delivery_no,
        invoice_date,
        due_date,
        is_cancelled,
        cancelled_date,
        currency,
        base_currency,
        fx_rate,
        tax_rate,
        net_amount,
        tax_amount,
        gross_amount,
        {{ convert_amount('net_amount', 'fx_rate') }} as net_amount_base,
        {{ convert_amount('tax_amount', 'fx_rate') }} as tax_amount_base,
        {{ money(convert_amount('net_amount', 'fx_rate') ~ ' + ' ~ convert_amount('tax_amount', 'fx_rate')) }}
            as gross_amount_base
    from joined
)

select * from final
