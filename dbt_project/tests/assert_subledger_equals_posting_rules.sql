-- The posting rules and the documents agree: per org, period and control account, the
-- control-account legs the rules derive sum to the subledger movements computed from the
-- documents alone. (The account bridge relies on it: when they differ, unexplained ≠ 0.)
with

legs as (
    select org_code, period, account_code, sum(signed_base) as rules_movement
    from {{ ref('int_recon_event_legs') }}
    group by org_code, period, account_code
),

subledger as (
    select org_code, period, account_code, subledger_movement
    from {{ ref('int_subledger_movements') }}
)

select
    coalesce(legs.org_code, subledger.org_code) as org_code,
    coalesce(legs.period, subledger.period) as period,
    coalesce(legs.account_code, subledger.account_code) as account_code,
    legs.rules_movement,
    subledger.subledger_movement
from legs
full outer join subledger
    on subledger.org_code = legs.org_code and subledger.period = legs.period
    and subledger.account_code = legs.account_code
where coalesce(legs.rules_movement, 0) <> coalesce(subledger.subledger_movement, 0)
