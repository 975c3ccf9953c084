with

departments as (

    select * from {{ ref('stg_expense__departments') }}

),

final as (

    select
        dept_code,
        dept_name,
        dept_name_en,
        org_code,
        function as dept_function,
        -- expenses of sales departments go to 6601 (销售费用), the rest to 6602 (管理费用)
        case when function = 'SALES' then '6601' else '6602' end as expense_account_prefix
    from departments

)

select * from final
