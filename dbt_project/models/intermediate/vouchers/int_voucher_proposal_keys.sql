-- A stable proposal id per business event: a hash of the rule set and the event's
-- source key (event type, document, original/reversal). Re-runs give the same id;
-- an import that carries it in the reference field is recognised as ours.
with

events as (
    select event_id from {{ ref('fct_business_events') }}
),

settings as (
    select {{ posting_setting('rule_set') }} as rule_set
),

final as (
    select
        events.event_id,
        settings.rule_set,
        {{ dbt.concat(["'LB'", "upper(" ~ dbt.hash(dbt.concat(["settings.rule_set", "'|'", "events.event_id"])) ~ ")"]) }}
            as proposal_id_full
    from events
    cross join settings
)

select
    event_id,
    rule_set,
    substring(proposal_id_full, 1, 18) as proposal_id
from final
