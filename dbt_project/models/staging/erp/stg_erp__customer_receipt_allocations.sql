{{ stg_allocation_lines('erp', 'customer_receipt_allocations', 'receipt_no', 'invoice_no') }}
