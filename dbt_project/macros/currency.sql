{#- Convert an amount at a rate, rounded to the cent half away from zero.
    Widened first so the product cannot overflow DECIMAL(18, x); a null rate
    gives null (never 0), and tests catch it. -#}
{% macro convert_amount(amount, rate) -%}
    cast(round(cast({{ amount }} as decimal(38, 8)) * cast({{ rate }} as decimal(38, 8)), 2) as decimal(18, 2))
{%- endmacro %}
