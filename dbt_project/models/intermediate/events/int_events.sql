-- One row per business event (the header view of int_event_measures): who, when, in which
-- currency, and its net / tax / gross in document and base currency as the seed
-- event_summary_measures defines them per event type (e.g. a payment's net = what it settles
-- at carrying amount + what it pays in advance).
with

measures as (
    select * from {{ ref('int_event_measures') }}
),

roles as (
    select event_type, measure, role from {{ ref('event_summary_measures') }}
),

final as (
    select
        measures.event_id,
        min(measures.event_type) as event_type,
        {{ dbt.bool_or('measures.is_reversal') }} as is_reversal,
        min(measures.document_no) as document_no,
        min(measures.related_document_no) as related_document_no,
        min(measures.source_table) as source_table,
        min(measures.org_code) as org_code,
        min(measures.period) as period,
        min(measures.event_date) as event_date,
        min(measures.document_date) as document_date,
        min(measures.document_date) as rate_date,
        max(measures.supplier_code) as supplier_code,
        max(measures.customer_code) as customer_code,
        max(measures.employee_code) as employee_code,
        max(measures.dept_code) as dept_code,
        max(measures.material_group) as material_group,
        max(measures.bank_account) as bank_account,
        max(measures.invoice_kind) as invoice_kind,
        -- the document's currency and rate (base-only measures such as realized FX aside)
        coalesce(min(case when roles.role is not null then measures.currency end), min(measures.currency))
            as currency,
        min(measures.base_currency) as base_currency,
        coalesce(min(case when roles.role is not null then measures.fx_rate end), min(measures.fx_rate))
            as fx_rate,
        {{ money("sum(case when roles.role = 'net' then measures.amount_original else 0 end)") }} as net_amount,
        {{ money("sum(case when roles.role = 'tax' then measures.amount_original else 0 end)") }} as tax_amount,
        {{ money("sum(case when roles.role in ('net', 'tax') then measures.amount_original else 0 end)") }}
            as gross_amount,
        {{ money("sum(case when roles.role = 'net' then measures.amount_base else 0 end)") }} as net_amount_base,
        {{ money("sum(case when roles.role = 'tax' then measures.amount_base else 0 end)") }} as tax_amount_base,
        {{ money("sum(case when roles.role in ('net', 'tax') then measures.amount_base else 0 end)") }}
            as gross_amount_base
    from measures
    left join roles
        on roles.event_type = measures.event_type and roles.measure = measures.measure
    group by measures.event_id
)

select * from final
