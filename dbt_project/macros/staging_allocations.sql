{#- Staging of an allocation table: the lines of a settlement (payment, receipt, claim
    payment) that say which document it settles, and how much. The three sources hold the
    same shape under their own names for the settlement and the settled document. -#}

{% macro stg_allocation_lines(source_name, table_name, settlement_column, document_column) %}
with

source as (

    select * from {{ source(source_name, table_name) }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code(settlement_column) }} as {{ settlement_column }},
        {{ clean_code(document_column) }} as {{ document_column }},
        -- numbers
        cast(line_no as integer) as line_no,
        -- amounts
        {{ money('amount') }} as amount,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
{% endmacro %}
