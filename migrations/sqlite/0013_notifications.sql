-- Notifications (SQLite): what each customer account asked to be told, and where.
--
-- A subscription is one kind of notice for one account on one target: a Telegram chat
-- (recipient = the chat id) or email (recipient '' = the account's address on file,
-- read when a notice is written, so a changed address is followed and nothing goes
-- anywhere else). Notices themselves are outbox rows, keyed
-- 'notify:<event>:<channel>:<recipient>' under the outbox's UNIQUE dedupe_key.
CREATE TABLE notify_subscriptions (
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    channel       TEXT    NOT NULL CHECK (channel IN ('telegram', 'email')),
    recipient     TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('invoice', 'payment', 'due_soon', 'overdue', 'collection', 'announcement')),
    since_on      TEXT    NOT NULL,                 -- local date: documents from then on
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (account_id, channel, recipient, kind)
);
CREATE INDEX notify_subscriptions_target ON notify_subscriptions (channel, recipient);

-- Per target: quiet hours on (the default) or off.
CREATE TABLE notify_targets (
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    channel       TEXT    NOT NULL,
    recipient     TEXT    NOT NULL,
    quiet         BOOLEAN NOT NULL DEFAULT 1,
    PRIMARY KEY (account_id, channel, recipient)
);

-- Who gets a notice of a kind now: live customer accounts, chats that did not block the
-- bot, accounts with an address on file; the language of the chat, else the account's.
CREATE VIEW notify_recipients AS
SELECT s.account_id, a.identifier, a.customer_id, s.kind, s.channel,
       CASE WHEN s.channel = 'email' THEN a.email ELSE s.recipient END AS recipient,
       COALESCE(ch.lang, a.lang) AS lang,
       COALESCE(t.quiet, 1) AS quiet,
       s.since_on
FROM notify_subscriptions s
JOIN accounts a ON a.id = s.account_id
LEFT JOIN chats ch ON ch.channel = s.channel
     AND ch.source = CASE WHEN s.channel = 'email' THEN LOWER(a.email) ELSE s.recipient END
LEFT JOIN notify_targets t ON t.account_id = s.account_id AND t.channel = s.channel
     AND t.recipient = s.recipient
WHERE a.role = 'customer' AND a.customer_id IS NOT NULL AND a.locked = 0 AND a.closed = 0
  AND ((s.channel = 'telegram' AND COALESCE(ch.blocked, 0) = 0)
       OR (s.channel = 'email' AND a.email IS NOT NULL AND a.email <> ''));

-- Staff announcements with their targets: a draft waits for staff's confirmation.
CREATE TABLE notify_announcements (
    reference     TEXT    PRIMARY KEY,
    staff         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    valid_from    TEXT    NOT NULL,
    valid_to      TEXT,
    areas         TEXT    NOT NULL DEFAULT '',      -- comma-separated targets; '' = everyone
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'sent', 'cancelled')),
    created_at    TEXT    NOT NULL
);

-- The scheduler's lease: one instance runs a job at a time; the last day it completed.
CREATE TABLE notify_jobs (
    job           TEXT    PRIMARY KEY,
    holder        TEXT    NOT NULL DEFAULT '',
    lease_until   TEXT    NOT NULL,
    last_run_on   TEXT
);
