-- gross = net + tax in document, base and reporting currency.

select event_id
from {{ ref('fct_business_events') }}
where gross_amount <> net_amount + tax_amount
   or gross_amount_base <> net_amount_base + tax_amount_base
   or gross_amount_rpt <> net_amount_rpt + tax_amount_rpt
