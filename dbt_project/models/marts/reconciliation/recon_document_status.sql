-- One status per business event: the most serious status among its control-account legs
-- (seed recon_status_reasons.document_priority: duplicate posting first, matched last), with
-- the vouchers that posted it. A document is missing in the GL only when none of its legs was
-- found: a leg missing from a voucher that exists (a price difference the voucher left out)
-- makes that voucher's status the document's. What the workbench counts and the scorecard
-- judges.
with

legs as (
    select * from {{ ref('recon_event_leg_status') }}
),

reasons as (
    select * from {{ ref('recon_status_reasons') }}
),

ranked as (
    select
        legs.event_id,
        legs.recon_status,
        row_number() over (
            partition by legs.event_id
            order by case when legs.recon_status = 'missing_in_gl' then 1 else 0 end,
                reasons.document_priority, legs.recon_status
        ) as status_rank
    from legs
    left join reasons on reasons.recon_status = legs.recon_status
),

per_event as (
    select
        event_id,
        min(event_type) as event_type,
        min(document_no) as document_no,
        {{ dbt.bool_or('is_reversal') }} as is_reversal,
        min(org_code) as org_code,
        min(period) as period,
        min(event_date) as event_date,
        count(*) as leg_count,
        sum(case when recon_status = 'matched' then 1 else 0 end) as matched_legs,
        {{ dbt.listagg("distinct gl_voucher_no", "','", "order by gl_voucher_no") }} as gl_voucher_no,
        sum(abs(signed_base)) as control_amount_base
    from legs
    group by event_id
),

final as (
    select
        per_event.*,
        ranked.recon_status,
        reasons.is_exception,
        reasons.reason_zh,
        reasons.reason_en
    from per_event
    inner join ranked on ranked.event_id = per_event.event_id and ranked.status_rank = 1
    left join reasons on reasons.recon_status = ranked.recon_status
)

select * from final
