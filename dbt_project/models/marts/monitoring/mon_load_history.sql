-- Ingestion history from the ingestion run log: one row per run, source and
-- table with status, rows loaded / quarantined, duration and error.

with

run_log as (

    select * from {{ source('ingestion', 'run_log') }}

),

final as (

    select
        {{ dbt.concat(["run_id", "'|'", "source", "'|'", "coalesce(table_name, '')"]) }} as load_id,
        run_id,
        source,
        table_name,
        cast(started_at as timestamp) as started_at,
        cast(ended_at as timestamp) as ended_at,
        {{ dbt.datediff('started_at', 'ended_at', 'millisecond') }} / 1000.0 as seconds,
        status,
        rows_loaded,
        rows_quarantined,
        rows_deleted,
        warnings,
        error
    from run_log

)

select * from final
