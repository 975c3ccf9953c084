{{ stg_allocation_lines('expense', 'claim_payment_lines', 'payment_no', 'claim_id') }}
