-- Goods receipt lines valued in the org's base currency at the receipt date's rate: the
-- value each line adds to inventory and to GR/IR (220202), and the value invoices clear.
-- Only posted receipts (approved, or cancelled: those are reversed).

with

headers as (
    select * from {{ ref('stg_erp__goods_receipts') }}
    where status in ('approved', 'cancelled')
),

lines as (
    select * from {{ ref('stg_erp__goods_receipt_lines') }}
),

materials as (
    select material_code, material_group from {{ ref('stg_erp__materials') }}
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

joined as (
    select
        lines.gr_no,
        lines.line_no,
        headers.org_code,
        headers.supplier_code,
        headers.po_no,
        headers.receipt_date,
        headers.is_cancelled,
        headers.cancelled_date,
        headers.currency,
        orgs.base_currency,
        {{ base_rate('headers.currency', 'orgs.base_currency') }} as fx_rate,
        lines.material_code,
        coalesce(lines.material_group, materials.material_group, headers.material_group) as material_group,
        lines.quantity,
        lines.net_amount
    from lines
    inner join headers on headers.gr_no = lines.gr_no
    left join orgs on orgs.org_code = headers.org_code
    left join materials on materials.material_code = lines.material_code
    {{ join_rate('rates', 'headers.receipt_date', 'headers.currency', 'orgs.base_currency') }}
),

final as (
    select
        *,
        {{ convert_amount('net_amount', 'fx_rate') }} as net_amount_base
    from joined
)

select * from final
