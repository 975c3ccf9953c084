-- Every GL voucher balances in base currency (Σ debit = Σ credit).

select voucher_id, sum(debit) as debit, sum(credit) as credit
from {{ ref('fct_gl_lines') }}
group by voucher_id
having sum(debit) <> sum(credit)
