-- Account lifecycle (SQLite): registration requests, consents, persistent flood
-- counters, sources a login succeeded from, and the temporary/reset password columns.
-- PESEL is kept only as a keyed hash and a masked form, never in clear.

CREATE TABLE registrations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    kind            TEXT    NOT NULL CHECK (kind IN ('person', 'firm')),
    name            TEXT    NOT NULL,
    pesel_hash      TEXT,                             -- keyed hash (HMAC-SHA256), as customers.pesel_hash
    pesel_masked    TEXT,                             -- *******1234
    nip             TEXT,                             -- 10 digits
    invoice_number  TEXT    NOT NULL,
    contract_number TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    lang            TEXT    NOT NULL,
    channel         TEXT    NOT NULL,                 -- where the request came from
    source          TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,                             -- staff identifier
    reason          TEXT,                             -- rejection reason, as told to the customer
    account_id      INTEGER REFERENCES accounts (id)
);
CREATE INDEX registrations_status ON registrations (status, created_at);
CREATE INDEX registrations_pesel ON registrations (pesel_hash);
CREATE INDEX registrations_nip ON registrations (nip);

CREATE TABLE consents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id INTEGER REFERENCES registrations (id),
    account_id      INTEGER REFERENCES accounts (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('data_processing', 'regulations')),
    regulations_version TEXT NOT NULL,
    given_at        TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    withdrawn_at    TEXT
);
CREATE INDEX consents_registration ON consents (registration_id);
CREATE INDEX consents_account ON consents (account_id);

-- Sliding-window counters for flood limits ('reg:src:…', 'reset:id:…', …).
CREATE TABLE rate_events (
    key           TEXT    NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (key, at);

-- Chats an account has logged in from: exempt from the per-identifier login throttle,
-- so an attacker cannot lock the customer out of their own chat.
CREATE TABLE known_sources (
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    channel       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    last_login_at TEXT    NOT NULL,
    PRIMARY KEY (account_id, channel, source)
);

-- A temporary password works for one login only.
ALTER TABLE accounts ADD COLUMN temp_used_at TEXT;
-- Self-service reset: a second, temporary password that works beside the current one
-- until used or expired, so a reset requested by someone else locks nobody out.
ALTER TABLE accounts ADD COLUMN reset_hash TEXT;
ALTER TABLE accounts ADD COLUMN reset_expires_at TEXT;
