-- KSeF, the national e-invoice system (docs/ksef.md): an invoice's KSeF number, the
-- hash of its XML file (Base64URL SHA-256, what the verification link carries), the
-- stored XML itself (by the SHA-256 hex of the files table), whether it was issued
-- online or offline, the KOD II link of an offline invoice, and for a correction the
-- KSeF number of the invoice it corrects.
ALTER TABLE invoices ADD COLUMN ksef_number TEXT;
ALTER TABLE invoices ADD COLUMN ksef_hash TEXT;
ALTER TABLE invoices ADD COLUMN xml_sha256 TEXT;
ALTER TABLE invoices ADD COLUMN ksef_mode TEXT CHECK (ksef_mode IN ('online', 'offline'));
ALTER TABLE invoices ADD COLUMN ksef_kod2 TEXT;
ALTER TABLE invoices ADD COLUMN corrected_ksef TEXT;
-- A KSeF number is one invoice's; the genuine-invoice check looks numbers up.
CREATE UNIQUE INDEX invoices_ksef_number ON invoices (ksef_number) WHERE ksef_number IS NOT NULL;
