{#- Regular expressions differ per engine; these are the only two we need. -#}

{#- One output row per match of `pattern` in `expr` (a set-returning select
    expression). -#}
{% macro regexp_matches_each(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches_each', 'ledgerbridge')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches_each(expr, pattern) -%}
    unnest(regexp_extract_all({{ expr }}, '{{ pattern }}'))
{%- endmacro %}

{% macro postgres__regexp_matches_each(expr, pattern) -%}
    (regexp_matches({{ expr }}, '{{ pattern }}', 'g'))[1]
{%- endmacro %}

{% macro spark__regexp_matches_each(expr, pattern) -%}
    explode(regexp_extract_all({{ expr }}, '{{ pattern }}', 0))
{%- endmacro %}

{#- True when `expr` matches `pattern` somewhere. -#}
{% macro regexp_like(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'ledgerbridge')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_like(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_like(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern }}')
{%- endmacro %}


