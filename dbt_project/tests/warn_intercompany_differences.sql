{{ config(severity='warn') }}
-- Intercompany balances that do not cancel: what the eliminated balances of two
-- group orgs leave over (timing, translation at different rates, a posting only
-- one side made). The group view puts it on the rule's line; finance should
-- explain it.

select period, org_code, counterparty_org_code, line_code, balance
from {{ ref('consolidation_eliminations') }}
where entry_kind = 'balance_difference'
