{#- The columns every ERP document's staging model ends with: status, its flags,
    the cancellation date (a cancelled document's last update) and lineage. -#}
{% macro document_status_columns() -%}
        -- status
        lower(trim(status)) as status,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- document flags
        lower(trim(status)) = 'approved' as is_approved,
        lower(trim(status)) = 'cancelled' as is_cancelled,
        lower(trim(status)) = 'draft' as is_draft,
        case when lower(trim(status)) = 'cancelled' then cast(updated_at as date) end as cancelled_date,
        -- lineage
        _dlt_load_id as load_id
{%- endmacro %}
