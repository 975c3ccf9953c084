{#- The lines of one statement (seed fs_lines, in the form's order) for every
    org and period of `keys`, with each measure evaluated: item and memo lines
    from `items` (org_code, period, line_code and the measures; lines without a
    row are 0), subtotals and totals as the weighted sums of their flattened
    components (int_fs_formula_leaves), headers and notes empty. Emits CTEs
    ending in `fs_values`; call it inside a `with`. -#}
{% macro fs_lines_with_formulas(statement, keys, items, measures) -%}
fs_lines_of_statement as (

    select * from {{ ref('fs_lines') }} where statement = '{{ statement }}'

),

fs_grid as (

    select
        {{ keys }}.org_code,
        {{ keys }}.period,
        {{ keys }}.currency,
        fs_lines_of_statement.line_code,
        fs_lines_of_statement.display_order,
        fs_lines_of_statement.line_no,
        fs_lines_of_statement.side,
        fs_lines_of_statement.kind,
        fs_lines_of_statement.indent,
        fs_lines_of_statement.line_name,
        fs_lines_of_statement.line_name_en
    from {{ keys }}
    cross join fs_lines_of_statement

),

fs_formula_values as (

    select
        {{ items }}.org_code,
        {{ items }}.period,
        leaves.line_code,
        {%- for m in measures %}
        sum(leaves.weight * {{ items }}.{{ m }}) as {{ m }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ items }}
    inner join {{ ref('int_fs_formula_leaves') }} as leaves
        on leaves.statement = '{{ statement }}'
        and {{ items }}.line_code = leaves.leaf_line_code
    group by {{ items }}.org_code, {{ items }}.period, leaves.line_code

),

fs_values as (

    select
        fs_grid.*,
        {%- for m in measures %}
        case
            when fs_grid.kind in ('header', 'note') then null
            when fs_grid.kind in ('subtotal', 'total') then {{ money('coalesce(fs_formula_values.' ~ m ~ ', 0)') }}
            else {{ money('coalesce(' ~ items ~ '.' ~ m ~ ', 0)') }}
        end as {{ m }}{{ "," if not loop.last }}
        {%- endfor %}
    from fs_grid
    left join {{ items }}
        on fs_grid.org_code = {{ items }}.org_code
        and fs_grid.period = {{ items }}.period
        and fs_grid.line_code = {{ items }}.line_code
    left join fs_formula_values
        on fs_grid.org_code = fs_formula_values.org_code
        and fs_grid.period = fs_formula_values.period
        and fs_grid.line_code = fs_formula_values.line_code

)
{%- endmacro %}


{#- The statement's rows: every line of `fs_values` (from fs_lines_with_formulas) for each
    org and period of `keys`, with the measures, and beside each measure its value in the
    period named by `prior_period_column` of `keys` (prior_measures: measure -> column
    name; null when the books have no such period). -#}
{% macro fs_statement_rows(id_column, keys, measures, prior_period_column, prior_measures) -%}
    select
        {{ dbt.concat(["cur.org_code", "'|'", "cur.period", "'|'", "cur.line_code"]) }} as {{ id_column }},
        cur.org_code,
        cur.period,
        {{ keys }}.fiscal_year,
        cur.currency,
        {%- if 'side' in kwargs.get('extra', []) %}
        cur.side,
        {%- endif %}
        cur.display_order,
        cur.line_no,
        cur.line_code,
        cur.line_name,
        cur.line_name_en,
        cur.kind,
        cur.indent,
        {%- for m in measures %}
        cur.{{ m }},
        {%- endfor %}
        {%- for m, name in prior_measures.items() %}
        prior.{{ m }} as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from fs_values as cur
    inner join {{ keys }}
        on cur.org_code = {{ keys }}.org_code
        and cur.period = {{ keys }}.period
    left join fs_values as prior
        on cur.org_code = prior.org_code
        and cur.line_code = prior.line_code
        and prior.period = {{ keys }}.{{ prior_period_column }}
{%- endmacro %}
