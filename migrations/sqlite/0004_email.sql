-- The email-command channel (SQLite).
--
-- email_processed: one row per inbound mail the responder has dealt with, written in the
-- same transaction as the reply's outbox row. Keyed by mailbox, UIDVALIDITY and UID; the
-- fingerprint (the Message-ID, or a hash of the raw mail when it has none) is unique too,
-- so a mailbox whose UIDVALIDITY changed does not get its old mail answered again.
CREATE TABLE email_processed (
    mailbox       TEXT    NOT NULL,
    uidvalidity   INTEGER NOT NULL,
    uid           INTEGER NOT NULL,
    fingerprint   TEXT    NOT NULL UNIQUE,
    sender        TEXT    NOT NULL,                 -- From address, lower case ('' if none)
    outcome       TEXT    NOT NULL,                 -- 'replied', 'cap_notice', 'capped', 'skipped:<reason>'
    reply_key     TEXT,                             -- outbox dedupe key of the reply
    purge         BOOLEAN NOT NULL DEFAULT FALSE,   -- carried a password: delete it after answering
    processed_at  TEXT    NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);

-- Replies per sender per day (Europe/Warsaw), for the daily cap.
CREATE TABLE email_daily_replies (
    sender        TEXT    NOT NULL,
    day           TEXT    NOT NULL,                 -- 'YYYY-MM-DD'
    replies       INTEGER NOT NULL DEFAULT 0,
    notice_sent   BOOLEAN NOT NULL DEFAULT FALSE,   -- the "no more today" notice went out
    PRIMARY KEY (sender, day)
);
