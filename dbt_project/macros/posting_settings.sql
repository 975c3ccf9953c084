{#- One value of the seed posting_settings (rule set, rounding account, closed-period policy,
    price-difference account), as a scalar subquery; `default` (SQL) when the seed lacks it. -#}
{% macro posting_setting(name, default=none) -%}
    {%- if default is none -%}
    (select max(value) from {{ ref('posting_settings') }} where setting = '{{ name }}')
    {%- else -%}
    coalesce((select max(value) from {{ ref('posting_settings') }} where setting = '{{ name }}'), {{ default }})
    {%- endif -%}
{%- endmacro %}
