-- GL counterparty codes (or names, where the GL knows parties by name) -> ERP codes.
-- Precedence: the finance-maintained seed code_mappings (explicit override) > same tax id
-- (unique in the ERP) > same code > same name (unique in the ERP). Whatever resolves to nothing stays here with erp_code null and is
-- listed by monitoring.mon_unmapped_codes.

with

gl_master as (

    select party_type, gl_code, party_name, tax_id
    from {{ ref('stg_finance__gl_counterparties') }}

),

gl_used as (

    select distinct 'supplier' as party_type, supplier_code_gl as gl_code
    from {{ ref('stg_finance__gl_voucher_lines') }}
    where supplier_code_gl is not null
    union
    select distinct 'customer' as party_type, customer_code_gl as gl_code
    from {{ ref('stg_finance__gl_voucher_lines') }}
    where customer_code_gl is not null

),

gl_codes as (

    select party_type, gl_code from gl_master
    union
    select party_type, gl_code from gl_used

),

erp_parties as (

    select 'supplier' as party_type, supplier_code as erp_code, tax_id, upper(supplier_name) as party_name
    from {{ ref('stg_erp__suppliers') }}
    union all
    select 'customer' as party_type, customer_code as erp_code, tax_id, upper(customer_name) as party_name
    from {{ ref('stg_erp__customers') }}

),

erp_by_name as (

    select party_type, party_name, min(erp_code) as erp_code
    from erp_parties
    where party_name is not null
    group by party_type, party_name
    having count(*) = 1

),

erp_by_tax_id as (

    -- only tax ids that name exactly one ERP party can map
    select party_type, tax_id, min(erp_code) as erp_code
    from erp_parties
    where tax_id is not null
    group by party_type, tax_id
    having count(*) = 1

),

seed_mappings as (

    select
        lower(trim(party_type)) as party_type,
        {{ clean_code('gl_code') }} as gl_code,
        {{ clean_code('erp_code') }} as erp_code
    from {{ ref('code_mappings') }}

),

resolved as (

    select
        gl_codes.party_type,
        gl_codes.gl_code,
        gl_master.party_name as gl_party_name,
        gl_master.tax_id as gl_tax_id,
        seed_mappings.erp_code as seed_erp_code,
        erp_by_tax_id.erp_code as tax_id_erp_code,
        same_code.erp_code as same_code_erp_code,
        same_name.erp_code as same_name_erp_code
    from gl_codes
    left join gl_master
        on gl_codes.party_type = gl_master.party_type and gl_codes.gl_code = gl_master.gl_code
    left join seed_mappings
        on gl_codes.party_type = seed_mappings.party_type and gl_codes.gl_code = seed_mappings.gl_code
    left join erp_by_tax_id
        on gl_codes.party_type = erp_by_tax_id.party_type and gl_master.tax_id = erp_by_tax_id.tax_id
    left join erp_parties as same_code
        on gl_codes.party_type = same_code.party_type and gl_codes.gl_code = same_code.erp_code
    left join erp_by_name as same_name
        on gl_codes.party_type = same_name.party_type and upper(gl_codes.gl_code) = same_name.party_name

),

final as (

    select
        party_type,
        gl_code,
        gl_party_name,
        gl_tax_id,
        coalesce(seed_erp_code, tax_id_erp_code, same_code_erp_code, same_name_erp_code) as erp_code,
        case
            when seed_erp_code is not null then 'seed'
            when tax_id_erp_code is not null then 'tax_id'
            when same_code_erp_code is not null then 'same_code'
            when same_name_erp_code is not null then 'same_name'
            else 'unmapped'
        end as mapping_method,
        coalesce(seed_erp_code, tax_id_erp_code, same_code_erp_code, same_name_erp_code) is not null as is_mapped,
        coalesce(seed_erp_code, tax_id_erp_code, same_code_erp_code, same_name_erp_code, gl_code) <> gl_code
            as is_code_different
    from resolved

)

select * from final
