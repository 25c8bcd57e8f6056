-- The customer's individual account to pay into (NRB, 26 digits, a "virtual account"
-- of the utility's bank) as the billing export gives it; NULL: the utility's account
-- from the configuration.
ALTER TABLE customers ADD COLUMN bank_account TEXT;
