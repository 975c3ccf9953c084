-- Every proposed voucher balances to the cent in base currency, and in original
-- currency when all its lines are in one currency.
select proposal_id, total_debit, total_credit, original_imbalance
from {{ ref('voucher_proposals') }}
where total_debit <> total_credit
    or (is_single_currency and original_imbalance <> 0)
