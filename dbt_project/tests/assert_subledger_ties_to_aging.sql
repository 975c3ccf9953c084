-- The aging buckets add up to the open amount, and the aging reports carry
-- every open item of the subledger.

select org_code, period, customer_code as party_code
from {{ ref('ar_aging') }}
where open_amount <> not_yet_due + days_0_30 + days_31_60 + days_61_90 + days_over_90
union all
select org_code, period, supplier_code as party_code
from {{ ref('ap_aging') }}
where open_amount <> not_yet_due + days_0_30 + days_31_60 + days_61_90 + days_over_90
union all
select items.org_code, items.period, items.ledger as party_code
from (
    select ledger, org_code, period, sum(open_amount_base) as total
    from {{ ref('subledger_open_items') }}
    group by ledger, org_code, period
) as items
left join (
    select 'AR' as ledger, org_code, period, sum(open_amount) as total from {{ ref('ar_aging') }}
    group by org_code, period
    union all
    select 'AP' as ledger, org_code, period, sum(open_amount) as total from {{ ref('ap_aging') }}
    group by org_code, period
) as aging
    on items.ledger = aging.ledger and items.org_code = aging.org_code and items.period = aging.period
where aging.total is null or aging.total <> items.total
