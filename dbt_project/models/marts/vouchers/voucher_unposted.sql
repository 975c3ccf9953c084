-- Business events missing in the GL for which no voucher is proposed, with the
-- reason: NO_RULE (no posting rule for the event type), UNMAPPED (an account the
-- mapping cannot resolve), UNBALANCED (imbalance beyond the rounding tolerance),
-- NO_OPEN_PERIOD (closed period and no open one after it, or the closed-period policy
-- blocks). Never a silent gap.
with

candidates as (
    select * from {{ ref('int_voucher_candidates') }}
),

lines as (
    select * from {{ ref('int_event_posting_lines') }}
),

per_event as (
    select
        candidates.event_id,
        count(lines.event_id) as line_count,
        sum(case when lines.account_code is null then 1 else 0 end) as unmapped_lines,
        coalesce(sum(case when lines.side = 'D' then lines.amount_base else -lines.amount_base end), 0)
            as imbalance
    from candidates
    left join lines on lines.event_id = candidates.event_id
    group by candidates.event_id
),

final as (
    select
        candidates.event_id,
        candidates.document_no,
        candidates.event_type,
        candidates.org_code,
        candidates.event_period,
        case
            when per_event.line_count = 0 then 'NO_RULE'
            when per_event.unmapped_lines > 0 then 'UNMAPPED'
            when abs(per_event.imbalance) > {{ recon_tolerance('rounding_max') }} then 'UNBALANCED'
            when candidates.target_period is null then 'NO_OPEN_PERIOD'
        end as unposted_reason,
        case
            when per_event.line_count = 0 then 'no posting rule covers this event type'
            when per_event.unmapped_lines > 0 then 'an account could not be derived from the mapping sets'
            when abs(per_event.imbalance) > {{ recon_tolerance('rounding_max') }}
                then {{ dbt.concat(["'debits and credits differ by '", dbt.safe_cast("per_event.imbalance", dbt.type_string())]) }}
            when candidates.target_period is null and candidates.closed_period_policy = 'block'
                then 'the period is closed (closed_period_policy block): reopen it to post'
            when candidates.target_period is null then 'the period is closed and no later period is open'
        end as detail
    from candidates
    inner join per_event on per_event.event_id = candidates.event_id
)

select * from final
where unposted_reason is not null
