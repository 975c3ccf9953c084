-- Σ debit = Σ credit: per org and period the trial balance's closing balances
-- and period movements sum to zero, in base currency and (group) in the
-- reporting currency.

select org_code, period, sum(closing_balance) as closing_total, sum(period_net) as movement_total
from {{ ref('trial_balance') }}
group by org_code, period
having sum(closing_balance) <> 0 or sum(period_net) <> 0 or sum(opening_balance) <> 0

union all

select org_code, period, sum(closing_balance) as closing_total, sum(period_net) as movement_total
from {{ ref('trial_balance_consolidated') }}
group by org_code, period
having sum(closing_balance) <> 0 or sum(period_net) <> 0 or sum(opening_balance) <> 0
    or sum(translation_difference) <> 0
