with

customers as (

    select * from {{ ref('stg_erp__customers') }}

),

gl_codes as (

    select
        erp_code,
        {{ dbt.listagg('gl_code', "','", "order by gl_code") }} as gl_codes,
        count(*) as gl_code_count
    from {{ ref('int_counterparty_code_map') }}
    where party_type = 'customer' and erp_code is not null
    group by erp_code

),

final as (

    select
        customers.customer_code,
        customers.customer_name,
        customers.customer_name_en,
        customers.tax_id,
        customers.country,
        customers.currency,
        customers.credit_days,
        customers.country = 'CN' as is_domestic,
        gl_codes.gl_codes,
        coalesce(gl_codes.gl_code_count, 0) as gl_code_count
    from customers
    left join gl_codes
        on customers.customer_code = gl_codes.erp_code

)

select * from final
