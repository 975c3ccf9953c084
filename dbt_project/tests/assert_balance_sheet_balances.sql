-- Assets = liabilities + equity, to the cent, per org (and the group) and period.

select
    org_code,
    period,
    sum(case when section = 'assets' then amount else 0 end) as assets,
    sum(case when section in ('liabilities', 'equity') then amount else 0 end) as liabilities_and_equity
from {{ ref('balance_sheet') }}
group by org_code, period
having sum(case when section = 'assets' then amount else 0 end)
    <> sum(case when section in ('liabilities', 'equity') then amount else 0 end)
