-- Receivables aging (应收账款账龄) per org, period end and customer from the ERP
-- subledger's open items, in the org's base currency (open items at their
-- invoice's rate): not yet due, 0–30, 31–60, 61–90 and over 90 days past due;
-- and the group (org_code 'GROUP') in the reporting currency without intercompany
-- customers.

{{ aging_by_counterparty('AR', 'customer') }}
