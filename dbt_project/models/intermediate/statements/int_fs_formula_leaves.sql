-- Every subtotal and total of the statements (seed fs_line_formulas) flattened
-- to the lines that carry amounts of their own: a formula may use other
-- formulas (净利润 = 利润总额 − 所得税费用, 利润总额 = 营业利润 + …), so each step
-- replaces a component that is itself a formula by its components, with the
-- weights multiplied. Eight steps cover any form; a formula left unexpanded
-- fails assert_fs_formulas_expand.

{%- set depth = 8 %}

with

formulas as (

    select statement, line_code, component_line_code, weight from {{ ref('fs_line_formulas') }}

),

step_0 as (

    select statement, line_code, component_line_code as leaf_line_code, weight from formulas

),

{%- for i in range(1, depth + 1) %}

step_{{ i }} as (

    select
        step.statement,
        step.line_code,
        coalesce(formulas.component_line_code, step.leaf_line_code) as leaf_line_code,
        step.weight * coalesce(formulas.weight, 1) as weight
    from step_{{ i - 1 }} as step
    left join formulas
        on step.statement = formulas.statement
        and step.leaf_line_code = formulas.line_code

),
{%- endfor %}

final as (

    select
        statement,
        line_code,
        leaf_line_code,
        sum(weight) as weight,
        max(case when leaf_line_code in (select line_code from formulas) then 1 else 0 end) = 1
            as is_unexpanded
    from step_{{ depth }}
    group by statement, line_code, leaf_line_code
    having sum(weight) <> 0

)

select * from final
