-- 资产总计 = 负债和所有者权益总计, to the cent, per org (and the group) and
-- period, at the period end and at the end of the previous fiscal year.

select
    org_code,
    period,
    sum(case when line_code = 'TOTAL_ASSETS' then closing_balance else 0 end) as total_assets,
    sum(case when line_code = 'TOTAL_LIABILITIES_AND_EQUITY' then closing_balance else 0 end)
        as total_liabilities_and_equity
from {{ ref('balance_sheet') }}
group by org_code, period
having sum(case when line_code = 'TOTAL_ASSETS' then closing_balance else 0 end)
    <> sum(case when line_code = 'TOTAL_LIABILITIES_AND_EQUITY' then closing_balance else 0 end)
    or sum(case when line_code = 'TOTAL_ASSETS' then prior_year_end_balance else 0 end)
    <> sum(case when line_code = 'TOTAL_LIABILITIES_AND_EQUITY' then prior_year_end_balance else 0 end)
    or count(case when line_code in ('TOTAL_ASSETS', 'TOTAL_LIABILITIES_AND_EQUITY') then 1 end) <> 2
