-- Business events that never reached the GL (every control leg missing_in_gl),
-- with the period their voucher goes to: the event's own period when open; when it is
-- closed, by the seed posting_settings.closed_period_policy either the first open period
-- after it (`shift`, flagged as shifted) or none (`block`: finance reopens the period).
with

legs as (
    select * from {{ ref('recon_event_leg_status') }}
),

events as (
    select * from {{ ref('fct_business_events') }}
),

periods as (
    select * from {{ ref('dim_period') }}
),

settings as (
    select {{ posting_setting('closed_period_policy', "'shift'") }} as closed_period_policy
),

missing as (
    select event_id
    from legs
    group by event_id
    having min(recon_status) = 'missing_in_gl' and max(recon_status) = 'missing_in_gl'
),

next_open as (
    select
        events.event_id,
        min(periods.period) as first_open_period
    from events
    cross join settings
    inner join periods
        on periods.org_code = events.org_code
        and periods.period >= events.period
        and periods.period_status = 'open'
        and (settings.closed_period_policy = 'shift' or periods.period = events.period)
    group by events.event_id
),

final as (
    select
        events.event_id,
        events.event_type,
        events.org_code,
        events.document_no,
        events.period as event_period,
        events.event_date,
        next_open.first_open_period as target_period,
        coalesce(next_open.first_open_period <> events.period, false) as period_shifted,
        case
            when next_open.first_open_period is null then null
            when next_open.first_open_period = events.period then events.event_date
            else cast({{ dbt.concat(["next_open.first_open_period", "'-01'"]) }} as date)
        end as voucher_date,
        settings.closed_period_policy
    from missing
    inner join events on events.event_id = missing.event_id
    cross join settings
    left join next_open on next_open.event_id = missing.event_id
)

select * from final
