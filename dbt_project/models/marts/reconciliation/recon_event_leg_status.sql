-- Every control-account leg of every business event with exactly one reconciliation status.
with

legs as (
    select * from {{ ref('int_recon_event_legs') }}
),

tier1 as (
    select
        leg_id,
        min(recon_status) as recon_status,
        min(match_tier) as match_tier,
        min(gl_base) as gl_base,
        min(leg_count) as group_leg_count
    from {{ ref('int_recon_reference_groups') }}
    group by leg_id
),

tier2 as (
    select
        party.leg_id,
        case when count(*) > 1 then 'ambiguous' else min(party.recon_status) end as recon_status,
        min(party.match_tier) as match_tier,
        case when count(*) = 1 then min(gl.signed_base) end as gl_base
    from {{ ref('int_recon_party_matches') }} as party
    inner join {{ ref('int_recon_gl_legs') }} as gl on gl.gl_line_id = party.gl_line_id
    group by party.leg_id
),

vouchers as (
    select
        pairs.leg_id,
        {{ dbt.listagg("distinct gl.voucher_id", "','", "order by gl.voucher_id") }} as gl_voucher_no
    from (
        select leg_id, gl_line_id from {{ ref('int_recon_reference_groups') }}
        union all
        select leg_id, gl_line_id from {{ ref('int_recon_party_matches') }}
    ) as pairs
    inner join {{ ref('int_recon_gl_legs') }} as gl on gl.gl_line_id = pairs.gl_line_id
    group by pairs.leg_id
),

final as (
    select
        legs.*,
        coalesce(tier1.recon_status, tier2.recon_status, 'missing_in_gl') as recon_status,
        coalesce(tier1.match_tier, tier2.match_tier, 'none') as match_tier,
        vouchers.gl_voucher_no,
        -- A batch line covers several legs: each leg is shown against its own amount.
        case
            when tier1.group_leg_count > 1 and tier1.recon_status = 'matched' then legs.signed_base
            when tier1.group_leg_count > 1 then null
            else coalesce(tier1.gl_base, tier2.gl_base)
        end as gl_signed_base
    from legs
    left join tier1 on tier1.leg_id = legs.leg_id
    left join tier2 on tier2.leg_id = legs.leg_id
    left join vouchers on vouchers.leg_id = legs.leg_id
)

select * from final
