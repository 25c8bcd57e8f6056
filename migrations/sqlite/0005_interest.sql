-- Interest for delay: which regime a customer is under (as the billing system decides;
-- NULL: by kind), what an interest note charged interest on and up to which day, and
-- the rate tables as the billing export carries them (they win over the configuration).
ALTER TABLE customers ADD COLUMN interest_regime TEXT
    CHECK (interest_regime IN ('statutory', 'commercial'));
ALTER TABLE invoices ADD COLUMN interest_for TEXT;   -- the invoice an interest note is for
ALTER TABLE invoices ADD COLUMN interest_to TEXT;    -- the last day its interest covers
CREATE INDEX invoices_interest_for ON invoices (customer_id, interest_for)
    WHERE interest_for IS NOT NULL;

CREATE TABLE interest_rates (
    regime        TEXT    NOT NULL CHECK (regime IN ('statutory', 'commercial')),
    valid_from    TEXT    NOT NULL,
    rate          TEXT    NOT NULL,                 -- annual percent, exact decimal
    PRIMARY KEY (regime, valid_from)
);
