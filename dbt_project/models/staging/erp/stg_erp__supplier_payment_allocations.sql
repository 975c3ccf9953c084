{{ stg_allocation_lines('erp', 'supplier_payment_allocations', 'payment_no', 'invoice_no') }}
