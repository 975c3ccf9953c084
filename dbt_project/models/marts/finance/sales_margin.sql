-- Sales and gross margin per org, period, customer and material in the org's
-- base currency (and translated at the period's average rate): revenue as
-- invoiced (customer invoices, reversed when cancelled), cost of goods as
-- delivered (the deliveries' GI cost) - the same timing as the GL's 6001 and
-- 6401. The group (org_code 'GROUP') adds the orgs up in the reporting currency
-- and leaves out sales to its own orgs (int_group_counterparties).

with

lines as (

    select * from {{ ref('int_sales_lines') }}

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
        customer_code,
        material_code,
        sum(case when measure = 'revenue' then quantity else 0 end) as quantity_invoiced,
        sum(case when measure = 'cost' then quantity else 0 end) as quantity_delivered,
        sum(revenue_base) as revenue,
        sum(cost_base) as cost_of_sales
    from lines
    group by org_code, period, customer_code, material_code

),

org_rows as (

    select
        {{ dbt.concat(["aggregated.org_code", "'|'", "aggregated.period", "'|'", "aggregated.customer_code",
                       "'|'", "aggregated.material_code"]) }} as sales_margin_id,
        aggregated.org_code,
        aggregated.period,
        aggregated.customer_code,
        customers.customer_name,
        aggregated.material_code,
        materials.material_name,
        materials.material_group,
        {{ quantity('aggregated.quantity_invoiced') }} as quantity_invoiced,
        {{ quantity('aggregated.quantity_delivered') }} as quantity_delivered,
        orgs.base_currency as currency,
        {{ money('aggregated.revenue') }} as revenue,
        {{ money('aggregated.cost_of_sales') }} as cost_of_sales,
        {{ money('aggregated.revenue - aggregated.cost_of_sales') }} as gross_margin,
        case when aggregated.revenue = 0 then null
             else cast(round((aggregated.revenue - aggregated.cost_of_sales) / aggregated.revenue, 4)
                       as decimal(9, 4)) end as gross_margin_pct,
        orgs.reporting_currency,
        {{ convert_amount('aggregated.revenue',
            "case when orgs.base_currency = orgs.reporting_currency then 1 else rates.average_rate end") }}
            as revenue_rpt,
        {{ convert_amount('aggregated.cost_of_sales',
            "case when orgs.base_currency = orgs.reporting_currency then 1 else rates.average_rate end") }}
            as cost_of_sales_rpt
    from aggregated
    left join {{ ref('dim_customer') }} as customers
        on aggregated.customer_code = customers.customer_code
    left join {{ ref('dim_material') }} as materials
        on aggregated.material_code = materials.material_code
    left join orgs
        on aggregated.org_code = orgs.org_code
    left join rates
        on aggregated.period = rates.period
        and orgs.base_currency = rates.from_currency
        and orgs.reporting_currency = rates.to_currency

),

group_rows as (

    select
        {{ dbt.concat(["'GROUP|'", "period", "'|'", "customer_code", "'|'", "material_code"]) }} as sales_margin_id,
        'GROUP' as org_code,
        period,
        customer_code,
        max(customer_name) as customer_name,
        material_code,
        max(material_name) as material_name,
        max(material_group) as material_group,
        {{ quantity('sum(quantity_invoiced)') }} as quantity_invoiced,
        {{ quantity('sum(quantity_delivered)') }} as quantity_delivered,
        max(reporting_currency) as currency,
        {{ money('sum(revenue_rpt)') }} as revenue,
        {{ money('sum(cost_of_sales_rpt)') }} as cost_of_sales,
        {{ money('sum(revenue_rpt) - sum(cost_of_sales_rpt)') }} as gross_margin,
        case when sum(revenue_rpt) = 0 then null
             else cast(round((sum(revenue_rpt) - sum(cost_of_sales_rpt)) / sum(revenue_rpt), 4)
                       as decimal(9, 4)) end as gross_margin_pct,
        max(reporting_currency) as reporting_currency,
        {{ money('sum(revenue_rpt)') }} as revenue_rpt,
        {{ money('sum(cost_of_sales_rpt)') }} as cost_of_sales_rpt
    from org_rows
    where customer_code not in (
        select party_code from {{ ref('int_group_counterparties') }} where party_type = 'customer'
    )
    group by period, customer_code, material_code

),

final as (

    select * from org_rows
    union all
    select * from group_rows

)

select * from final
