-- The point of delivery (a building) a line item bills, where the billing export names
-- one (invoice_items.csv, optional column `point`): a firm or a housing community with
-- several buildings sees each one's heat and cost (`zuzycie`).
ALTER TABLE invoice_items ADD COLUMN point TEXT;
