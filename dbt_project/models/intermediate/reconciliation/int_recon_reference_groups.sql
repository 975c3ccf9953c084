-- Tier 1: GL lines that name the event's document (in any of the configured reference
-- columns), on the same org and control account with the same sign (so an original and its
-- reversal, or a claim's approval and its payment, never match each other). Parties play no
-- part here: party-less legs (VAT, inventory, GR/IR) match like any other.
-- A line naming several documents (a batch posting) forms one group with them; otherwise
-- the group is the event leg with all lines naming it (split postings, duplicates).
-- duplicate_posting: the document's amount posted in full by two or more vouchers.
with

legs as (
    select * from {{ ref('int_recon_event_legs') }}
),

gl as (
    select * from {{ ref('int_recon_gl_legs') }}
),

refs as (
    select * from {{ ref('int_gl_line_references') }}
),

proposals as (
    select proposal_id, event_id from {{ ref('int_voucher_proposal_keys') }}
),

pairs as (
    select
        legs.leg_id,
        gl.gl_line_id
    from legs
    inner join refs
        on refs.document_no = legs.document_no
    inner join gl
        on gl.gl_line_id = refs.gl_line_id
        and gl.org_code = legs.org_code
        and gl.account_code = legs.account_code
        and gl.amount_sign = legs.amount_sign
),

line_fanout as (
    select gl_line_id, count(distinct leg_id) as legs_named
    from pairs
    group by gl_line_id
),

keyed as (
    select
        pairs.leg_id,
        pairs.gl_line_id,
        case
            when line_fanout.legs_named > 1 then {{ dbt.concat(["'L|'", "pairs.gl_line_id"]) }}
            else {{ dbt.concat(["'E|'", "pairs.leg_id"]) }}
        end as pair_group
    from pairs
    inner join line_fanout on line_fanout.gl_line_id = pairs.gl_line_id
),

leg_group as (
    select leg_id, min(pair_group) as group_id from keyed group by leg_id
),

grouped_pairs as (
    select distinct
        leg_group.group_id,
        keyed.leg_id,
        keyed.gl_line_id
    from keyed
    inner join leg_group on leg_group.leg_id = keyed.leg_id
),

group_legs as (
    select
        group_members.group_id,
        sum(legs.signed_base) as business_base,
        sum(legs.signed_original) as business_original,
        count(*) as leg_count,
        min(legs.period) as min_business_period,
        max(legs.period) as max_business_period
    from (select distinct group_id, leg_id from grouped_pairs) as group_members
    inner join legs on legs.leg_id = group_members.leg_id
    group by group_members.group_id
),

group_vouchers as (
    select
        group_members.group_id,
        gl.voucher_id,
        sum(gl.signed_base) as voucher_base
    from (select distinct group_id, gl_line_id from grouped_pairs) as group_members
    inner join gl on gl.gl_line_id = group_members.gl_line_id
    group by group_members.group_id, gl.voucher_id
),

voucher_counts as (
    select
        group_id,
        count(*) as voucher_count,
        min(voucher_base) as min_voucher_base,
        max(voucher_base) as max_voucher_base
    from group_vouchers
    group by group_id
),

group_lines as (
    select
        group_members.group_id,
        sum(gl.signed_base) as gl_base,
        sum(gl.signed_original) as gl_original,
        count(*) as line_count,
        min(gl.period) as min_gl_period,
        max(gl.period) as max_gl_period,
        max(case when proposals.proposal_id is not null then 1 else 0 end) as posted_from_proposal
    from (select distinct group_id, gl_line_id from grouped_pairs) as group_members
    inner join gl on gl.gl_line_id = group_members.gl_line_id
    left join proposals on proposals.proposal_id = gl.reference
    group by group_members.group_id
),

classified as (
    select
        group_legs.group_id,
        group_legs.business_base,
        group_legs.business_original,
        group_lines.gl_base,
        group_lines.gl_original,
        group_lines.line_count,
        group_legs.leg_count,
        case
            when voucher_counts.voucher_count > 1 and group_legs.leg_count = 1
                and voucher_counts.min_voucher_base = group_legs.business_base
                and voucher_counts.max_voucher_base = group_legs.business_base
                then 'duplicate_posting'
            when abs(group_lines.gl_base - group_legs.business_base) <= {{ recon_tolerance('amount_base') }}
                then case
                    when group_lines.posted_from_proposal = 1 then 'matched'
                    when group_lines.min_gl_period <> group_legs.min_business_period
                        or group_lines.max_gl_period <> group_legs.max_business_period then 'timing'
                    else 'matched'
                end
            when abs(group_lines.gl_original - group_legs.business_original) <= {{ recon_tolerance('amount_original') }}
                then 'fx_difference'
            else 'amount_mismatch'
        end as recon_status,
        case when group_lines.posted_from_proposal = 1 then 'T0_proposal' else 'T1_reference' end as match_tier
    from group_legs
    inner join group_lines on group_lines.group_id = group_legs.group_id
    inner join voucher_counts on voucher_counts.group_id = group_legs.group_id
),

final as (
    select
        grouped_pairs.leg_id,
        grouped_pairs.gl_line_id,
        classified.*
    from grouped_pairs
    inner join classified on classified.group_id = grouped_pairs.group_id
)

select * from final
