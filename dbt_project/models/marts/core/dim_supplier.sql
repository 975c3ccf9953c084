with

suppliers as (

    select * from {{ ref('stg_erp__suppliers') }}

),

gl_codes as (

    select
        erp_code,
        {{ dbt.listagg('gl_code', "','", "order by gl_code") }} as gl_codes,
        count(*) as gl_code_count
    from {{ ref('int_counterparty_code_map') }}
    where party_type = 'supplier' and erp_code is not null
    group by erp_code

),

final as (

    select
        suppliers.supplier_code,
        suppliers.supplier_name,
        suppliers.supplier_name_en,
        suppliers.tax_id,
        suppliers.country,
        suppliers.currency,
        suppliers.payment_days,
        suppliers.country = 'CN' as is_domestic,
        gl_codes.gl_codes,
        coalesce(gl_codes.gl_code_count, 0) as gl_code_count
    from suppliers
    left join gl_codes
        on suppliers.supplier_code = gl_codes.erp_code

)

select * from final
