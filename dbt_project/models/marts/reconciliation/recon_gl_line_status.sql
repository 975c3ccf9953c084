-- Every GL line on a control account with exactly one reconciliation status.
with

gl as (
    select * from {{ ref('int_recon_gl_legs') }}
),

tier1 as (
    select distinct gl_line_id, recon_status, match_tier from {{ ref('int_recon_reference_groups') }}
),

tier2 as (
    select
        gl_line_id,
        min(recon_status) as recon_status,
        min(match_tier) as match_tier
    from {{ ref('int_recon_party_matches') }}
    group by gl_line_id
),

final as (
    select
        gl.*,
        coalesce(tier1.recon_status, tier2.recon_status, 'missing_in_business') as recon_status,
        coalesce(tier1.match_tier, tier2.match_tier, 'none') as match_tier
    from gl
    left join tier1 on tier1.gl_line_id = gl.gl_line_id
    left join tier2 on tier2.gl_line_id = gl.gl_line_id
)

select * from final
