-- An announcement's life after it is published: staff change its end or end it; the
-- Telegram messages already sent are edited in place, so the id of each is kept.
ALTER TABLE messages ADD COLUMN ended_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- The Telegram message a delivered notification became (by its outbox dedupe key).
CREATE TABLE notify_sent (
    dedupe_key    TEXT    PRIMARY KEY,
    message_id    BIGINT  NOT NULL,
    sent_at       TIMESTAMPTZ NOT NULL
);
