{{ config(enabled=var('lb_fail_on_purpose', false)) }}
-- Off by default. `dbt build --vars '{lb_fail_on_purpose: true}'` enables
-- this always-failing test, to prove that a failing test stops the publish.

select 'deliberate failure' as reason
