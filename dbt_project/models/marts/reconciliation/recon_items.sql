-- The reconciliation worklist: one item per business-event leg on a control
-- account, plus one per GL control line that no event explains (orphan or
-- ambiguous postings). Amounts in the org's base currency, debit-positive.
with

legs as (
    select * from {{ ref('recon_event_leg_status') }}
),

gl_lines as (
    select * from {{ ref('recon_gl_line_status') }}
    where recon_status in ('missing_in_business', 'ambiguous')
),

reasons as (
    select * from {{ ref('recon_status_reasons') }}
),

business_items as (
    select
        {{ dbt.concat(["'B|'", "leg_id"]) }} as item_id,
        'business' as item_side,
        recon_status,
        match_tier,
        org_code,
        period,
        account_code as control_account,
        event_type,
        event_id,
        document_no as business_document_no,
        gl_voucher_no,
        cast(null as {{ dbt.type_string() }}) as gl_line_id,
        event_date as item_date,
        party_code,
        signed_base as business_amount_base,
        gl_signed_base as gl_amount_base
    from legs
),

gl_items as (
    select
        {{ dbt.concat(["'G|'", "gl_line_id"]) }} as item_id,
        'gl' as item_side,
        recon_status,
        match_tier,
        org_code,
        period,
        account_code as control_account,
        cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as business_document_no,
        voucher_id as gl_voucher_no,
        gl_line_id,
        voucher_date as item_date,
        party_code,
        cast(null as {{ dbt.type_numeric() }}) as business_amount_base,
        signed_base as gl_amount_base
    from gl_lines
),

unioned as (
    select * from business_items
    union all
    select * from gl_items
),

final as (
    select
        unioned.*,
        coalesce(unioned.gl_amount_base, 0) - coalesce(unioned.business_amount_base, 0) as difference,
        reasons.is_exception,
        reasons.reason_zh,
        reasons.reason_en
    from unioned
    left join reasons on reasons.recon_status = unioned.recon_status
)

select * from final
