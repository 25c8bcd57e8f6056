-- Billing import: the hash of each invoice's set of line items, so that an import
-- replaces an invoice's items only when that set changed.
CREATE TABLE invoice_item_sets (
    invoice_id    INTEGER PRIMARY KEY REFERENCES invoices (id),
    items_hash    TEXT    NOT NULL
);
