-- Urgency of an outbox row (PostgreSQL): rows with a higher priority are delivered first.
-- Replies and ordinary notices are 0; an urgent notice (a heat failure) is 10. Rows of
-- one recipient keep their order among rows of the same priority.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_due_priority ON outbox (status, channel, priority DESC, next_attempt_at, id);
