-- GL counterparty codes that map to no ERP party (by seed, tax id or same
-- code), with how much the GL posted on them. Finance resolves a row by adding
-- it to seeds/code_mappings.csv; the warn-severity test
-- warn_unmapped_counterparty_codes lists what is left.

with

code_map as (

    select * from {{ ref('int_counterparty_code_map') }}
    where not is_mapped

),

usage as (

    select
        'supplier' as party_type, supplier_code_gl as gl_code, period, debit, credit
    from {{ ref('fct_gl_lines') }}
    where supplier_code_gl is not null
    union all
    select
        'customer' as party_type, customer_code_gl as gl_code, period, debit, credit
    from {{ ref('fct_gl_lines') }}
    where customer_code_gl is not null

),

usage_per_code as (

    select
        party_type,
        gl_code,
        count(*) as gl_line_count,
        min(period) as first_period,
        max(period) as last_period,
        sum(debit) as debit,
        sum(credit) as credit
    from usage
    group by party_type, gl_code

),

final as (

    select
        {{ dbt.concat(["code_map.party_type", "'|'", "code_map.gl_code"]) }} as unmapped_code_id,
        code_map.party_type,
        code_map.gl_code,
        code_map.gl_party_name,
        code_map.gl_tax_id,
        case when code_map.gl_tax_id is null then 'no tax id in the GL and no seed mapping'
             else 'tax id not found in the ERP (or not unique) and no seed mapping' end as reason,
        coalesce(usage_per_code.gl_line_count, 0) as gl_line_count,
        usage_per_code.first_period,
        usage_per_code.last_period,
        {{ money('coalesce(usage_per_code.debit, 0)') }} as debit,
        {{ money('coalesce(usage_per_code.credit, 0)') }} as credit
    from code_map
    left join usage_per_code
        on code_map.party_type = usage_per_code.party_type and code_map.gl_code = usage_per_code.gl_code

)

select * from final
