{{ config(materialized='view') }}
-- The results of the dbt build that produced this warehouse (one row per
-- model, seed and test: status, failures, message, seconds), written into
-- ops.dbt_results by `ledgerbridge run` after the build. A view, on purpose:
-- the rows arrive after dbt finishes. The reference is unqualified so the
-- view resolves inside whichever file it is read from.

select
    run_id,
    unique_id,
    resource_type,
    node_name,
    status,
    failures,
    message,
    execution_seconds,
    completed_at
from ops.dbt_results
