-- Tier 2: what tier 1 left on both sides, matched on org, control account, party,
-- amount (within the tolerance) and a date window (seed recon_tolerances). Both sides need a
-- party: a missing party never makes two lines equal. A pair counts only when the candidate
-- is unique on both sides; otherwise both sides are 'ambiguous'.
with

legs as (
    select * from {{ ref('int_recon_event_legs') }}
    where leg_id not in (select leg_id from {{ ref('int_recon_reference_groups') }})
),

gl as (
    select * from {{ ref('int_recon_gl_legs') }}
    where gl_line_id not in (select gl_line_id from {{ ref('int_recon_reference_groups') }})
),

candidates as (
    select
        legs.leg_id,
        gl.gl_line_id,
        legs.period as business_period,
        gl.period as gl_period
    from legs
    inner join gl
        on gl.org_code = legs.org_code
        and gl.account_code = legs.account_code
        and gl.party_code = legs.party_code
        and legs.party_code is not null
        and abs(gl.signed_base - legs.signed_base) <= {{ recon_tolerance('amount_base') }}
        and abs({{ dbt.datediff("legs.event_date", "gl.voucher_date", "day") }}) <= {{ recon_tolerance('date_window_days', dbt.type_int()) }}
),

counted as (
    select
        candidates.*,
        count(*) over (partition by leg_id) as candidates_for_leg,
        count(*) over (partition by gl_line_id) as candidates_for_line
    from candidates
),

final as (
    select
        leg_id,
        gl_line_id,
        case
            when candidates_for_leg = 1 and candidates_for_line = 1
                then case when business_period = gl_period then 'matched' else 'timing' end
            else 'ambiguous'
        end as recon_status,
        'T2_party_amount_date' as match_tier
    from counted
)

select * from final
