-- The account bridge closes: for every org, period and control account the
-- difference between GL and subledger is fully explained by the status columns.
select org_code, period, control_account, difference, unexplained
from {{ ref('recon_account_bridge') }}
where unexplained <> 0
