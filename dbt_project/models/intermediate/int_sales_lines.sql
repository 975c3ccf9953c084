-- Sales at line level: each delivery line (an inventory GI movement) with its
-- sales order line's price. Revenue comes from the customer invoice event of
-- the delivery (and its reversal), allocated over the delivery's lines by
-- their value in document currency, the rounding residue on the largest line
-- so lines sum to the invoice exactly; cost is the line's GI amount.

with

deliveries as (

    select * from {{ ref('stg_erp__deliveries') }}
    where status in ('approved', 'cancelled')

),

movements as (

    select * from {{ ref('stg_erp__inventory_movements') }}
    where movement_type = 'GI'

),

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

delivery_lines as (

    select
        movements.movement_id,
        movements.document_no as delivery_no,
        deliveries.so_no,
        deliveries.org_code,
        deliveries.customer_code,
        deliveries.delivery_date,
        movements.material_code,
        -movements.quantity as quantity,
        -movements.amount_base as cost_base,
        {{ money('-movements.quantity * order_lines.unit_price') }} as line_value
    from movements
    inner join deliveries
        on movements.document_no = deliveries.delivery_no
    left join order_lines
        on deliveries.so_no = order_lines.so_no
        and cast({{ dbt.split_part('movements.movement_id', "'-'", 2) }} as integer) = order_lines.line_no

),

shares as (

    select
        *,
        sum(line_value) over (partition by delivery_no) as delivery_value,
        row_number() over (partition by delivery_no order by line_value desc, movement_id) as value_rank
    from delivery_lines

),

invoice_events as (

    select event_id, document_no, related_document_no as delivery_no, period, event_date, is_reversal,
           net_amount, net_amount_base
    from {{ ref('fct_business_events') }}
    where event_type = 'SINV'

),

allocated as (

    select
        invoice_events.event_id,
        invoice_events.document_no as invoice_no,
        invoice_events.period,
        invoice_events.event_date,
        shares.*,
        invoice_events.net_amount_base,
        case when shares.delivery_value = 0 then 0
             else {{ convert_amount('invoice_events.net_amount_base',
                                    'cast(shares.line_value as decimal(38, 12)) / shares.delivery_value') }}
        end as raw_revenue_base
    from invoice_events
    inner join shares
        on invoice_events.delivery_no = shares.delivery_no

),

revenue_lines as (

    select
        *,
        raw_revenue_base + case when value_rank = 1
            then net_amount_base - sum(raw_revenue_base) over (partition by event_id) else 0 end as revenue_base
    from allocated

),

final as (

    select
        {{ dbt.concat(["'REV|'", "event_id", "'|'", "movement_id"]) }} as sales_line_id,
        'revenue' as measure,
        org_code, period, event_date as posting_date, customer_code, material_code, invoice_no, delivery_no,
        {{ quantity('case when net_amount_base < 0 then -quantity else quantity end') }} as quantity,
        {{ money('revenue_base') }} as revenue_base,
        {{ money('0') }} as cost_base
    from revenue_lines
    union all
    select
        {{ dbt.concat(["'COST|'", "movement_id"]) }} as sales_line_id,
        'cost' as measure,
        org_code, {{ to_period('delivery_date') }} as period, delivery_date as posting_date, customer_code,
        material_code, null as invoice_no, delivery_no,
        {{ quantity('quantity') }} as quantity,
        {{ money('0') }} as revenue_base,
        {{ money('cost_base') }} as cost_base
    from delivery_lines

)

select * from final
