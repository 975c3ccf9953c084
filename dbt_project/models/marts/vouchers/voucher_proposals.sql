-- One proposed voucher per business event missing in the GL (header of voucher_proposal_lines).
with

lines as (
    select * from {{ ref('voucher_proposal_lines') }}
),

candidates as (
    select * from {{ ref('int_voucher_candidates') }}
),

keys as (
    select * from {{ ref('int_voucher_proposal_keys') }}
),

headers as (
    select
        proposal_id,
        min(event_id) as event_id,
        min(org_code) as org_code,
        min(event_type) as event_type,
        min(source_document_no) as source_document_no,
        min(voucher_date) as voucher_date,
        min(target_period) as target_period,
        min(voucher_word) as voucher_word,
        min(summary) as summary,
        count(*) as line_count,
        sum(debit) as total_debit,
        sum(credit) as total_credit,
        max(case when rule_id = 'ROUNDING' then 1 else 0 end) = 1 as has_rounding_line,
        count(distinct currency) as currency_count,
        sum(case when debit <> 0 then amount_original else 0 end)
            - sum(case when credit <> 0 then amount_original else 0 end) as original_imbalance
    from lines
    group by proposal_id
),

final as (
    select
        headers.proposal_id,
        headers.event_id,
        headers.org_code,
        headers.event_type,
        headers.source_document_no,
        keys.rule_set,
        candidates.event_period,
        headers.target_period,
        candidates.period_shifted,
        headers.voucher_date,
        headers.voucher_word,
        headers.summary,
        headers.line_count,
        headers.total_debit,
        headers.total_credit,
        headers.total_debit = headers.total_credit as is_balanced,
        headers.currency_count = 1 and not headers.has_rounding_line as is_single_currency,
        headers.has_rounding_line,
        headers.original_imbalance,
        'proposed' as status
    from headers
    inner join candidates on candidates.event_id = headers.event_id
    inner join keys on keys.event_id = headers.event_id
)

select * from final
