-- Delivery of notifications (SQLite).
-- digest_of: an email notification merged into a digest names the digest's first row
-- (which names itself); the digest is sent, retried and finished as that one row.
-- outbox_recipient_pending: the claim keeps each recipient's order (a row waits while an
-- earlier row of the same recipient and priority is pending) and finds those rows here.
ALTER TABLE outbox ADD COLUMN digest_of INTEGER;
CREATE INDEX outbox_recipient_pending ON outbox (channel, recipient, priority, id) WHERE status = 'pending';
CREATE INDEX outbox_digest ON outbox (digest_of) WHERE digest_of IS NOT NULL;
