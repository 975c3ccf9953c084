with

employees as (

    select * from {{ ref('stg_expense__employees') }}

),

departments as (

    select * from {{ ref('stg_expense__departments') }}

),

final as (

    select
        employees.employee_code,
        employees.employee_name,
        employees.employee_name_en,
        employees.org_code,
        employees.dept_code,
        departments.dept_name,
        departments.function as dept_function
    from employees
    left join departments
        on employees.dept_code = departments.dept_code

)

select * from final
