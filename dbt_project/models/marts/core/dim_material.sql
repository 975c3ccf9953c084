with

materials as (

    select * from {{ ref('stg_erp__materials') }}

),

final as (

    select
        material_code,
        material_name,
        material_name_en,
        material_group,
        case material_group when 'RAW' then '1403' when 'GOODS' then '1405' end as inventory_account_code,
        uom,
        standard_cost as standard_cost_cny
    from materials

)

select * from final
