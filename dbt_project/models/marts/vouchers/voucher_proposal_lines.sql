-- Proposed voucher lines for every business event missing in the GL, from the
-- posting rules. Debit/credit in base currency (红字 reversals keep their side
-- with negative amounts). A small imbalance goes to the rounding account; a
-- proposal with an unresolved account or a larger imbalance is not proposed
-- (see voucher_unposted).
with

candidates as (
    select * from {{ ref('int_voucher_candidates') }}
),

lines as (
    select * from {{ ref('int_event_posting_lines') }}
),

keys as (
    select * from {{ ref('int_voucher_proposal_keys') }}
),

unposted as (
    select event_id from {{ ref('voucher_unposted') }}
),

names as (
    select supplier_code as party_code, supplier_name as party_name from {{ ref('dim_supplier') }}
    union all
    select customer_code, customer_name from {{ ref('dim_customer') }}
    union all
    select employee_code, employee_name from {{ ref('dim_employee') }}
),

settings as (
    select {{ posting_setting('rounding_account') }} as rounding_account
),

event_party as (
    select event_id, coalesce(supplier_code, customer_code, employee_code) as party_code
    from {{ ref('fct_business_events') }}
),

rule_lines as (
    select
        keys.proposal_id,
        lines.event_id,
        lines.org_code,
        candidates.voucher_date,
        candidates.target_period,
        lines.voucher_word,
        replace(replace(lines.summary_template, '{doc_no}', lines.document_no), '{party_name}',
                coalesce(names.party_name, '')) as summary,
        lines.account_code,
        case when lines.side = 'D' then lines.amount_base else 0 end as debit,
        case when lines.side = 'C' then lines.amount_base else 0 end as credit,
        lines.currency,
        lines.amount_original,
        lines.fx_rate,
        lines.supplier_code,
        lines.customer_code,
        lines.employee_code,
        lines.dept_code,
        lines.document_no as source_document_no,
        lines.event_type,
        lines.rule_id,
        lines.rule_line_no,
        lines.side
    from lines
    inner join candidates on candidates.event_id = lines.event_id
    inner join keys on keys.event_id = lines.event_id
    left join event_party on event_party.event_id = lines.event_id
    left join names on names.party_code = event_party.party_code
    where lines.event_id not in (select event_id from unposted)
),

imbalance as (
    select
        proposal_id,
        sum(debit) - sum(credit) as difference
    from rule_lines
    group by proposal_id
    having sum(debit) - sum(credit) <> 0
),

rounding_lines as (
    select
        rule_lines.proposal_id,
        min(rule_lines.event_id) as event_id,
        min(rule_lines.org_code) as org_code,
        min(rule_lines.voucher_date) as voucher_date,
        min(rule_lines.target_period) as target_period,
        min(rule_lines.voucher_word) as voucher_word,
        min(rule_lines.summary) as summary,
        min(settings.rounding_account) as account_code,
        case when min(imbalance.difference) < 0 then -min(imbalance.difference) else 0 end as debit,
        case when min(imbalance.difference) > 0 then min(imbalance.difference) else 0 end as credit,
        min(rule_lines.currency) as currency,
        cast(0 as {{ dbt.type_numeric() }}) as amount_original,
        cast(1 as {{ dbt.type_numeric() }}) as fx_rate,
        cast(null as {{ dbt.type_string() }}) as supplier_code,
        cast(null as {{ dbt.type_string() }}) as customer_code,
        cast(null as {{ dbt.type_string() }}) as employee_code,
        cast(null as {{ dbt.type_string() }}) as dept_code,
        min(rule_lines.source_document_no) as source_document_no,
        min(rule_lines.event_type) as event_type,
        'ROUNDING' as rule_id,
        99 as rule_line_no,
        case when min(imbalance.difference) < 0 then 'D' else 'C' end as side
    from rule_lines
    inner join imbalance on imbalance.proposal_id = rule_lines.proposal_id
    cross join settings
    group by rule_lines.proposal_id
),

unioned as (
    select * from rule_lines
    union all
    select * from rounding_lines
),

final as (
    select
        proposal_id,
        row_number() over (
            partition by proposal_id
            -- a total order: a rule line may give several lines on one account (one per
            -- department, party or currency), numbered the same in every build
            order by case when side = 'D' then 0 else 1 end, rule_line_no, account_code, dept_code,
                supplier_code, customer_code, employee_code, currency, debit, credit,
                amount_original, fx_rate, summary
        ) as line_no,
        event_id,
        org_code,
        voucher_date,
        target_period,
        voucher_word,
        summary,
        account_code,
        debit,
        credit,
        currency,
        amount_original,
        fx_rate,
        supplier_code,
        customer_code,
        employee_code,
        dept_code,
        source_document_no,
        event_type,
        rule_id
    from unioned
)

select * from final
