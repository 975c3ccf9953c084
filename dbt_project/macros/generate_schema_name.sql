{#- Use the folder's schema name as is (staging, core, finance …) instead of
    dbt's default "<target schema>_<custom schema>", so analysts query
    core.fct_gl_lines rather than main_core.fct_gl_lines. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
