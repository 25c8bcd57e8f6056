-- ebok core schema (PostgreSQL). Money is integer grosze; exact decimals (quantities,
-- unit prices) are text, so one Rust type serves both backends.

CREATE TABLE customers (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number        TEXT    NOT NULL UNIQUE,          -- billing system's customer number
    kind          TEXT    NOT NULL CHECK (kind IN ('person', 'firm')),
    name          TEXT    NOT NULL,
    pesel_hash    TEXT,                             -- keyed hash (HMAC-SHA256) of the PESEL
    pesel_masked  TEXT,                             -- e.g. *******1234
    nip           TEXT,                             -- 10 digits
    address       TEXT    NOT NULL DEFAULT '',
    area          TEXT    NOT NULL DEFAULT '',      -- heat area / substation
    email         TEXT,
    phone         TEXT,
    row_hash      TEXT    NOT NULL
);
CREATE INDEX customers_pesel ON customers (pesel_hash);
CREATE INDEX customers_nip ON customers (nip);

CREATE TABLE files (
    sha256        TEXT    PRIMARY KEY,
    content_type  TEXT    NOT NULL,
    size          BIGINT NOT NULL,
    body          BYTEA    NOT NULL
);

CREATE TABLE contracts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number        TEXT    NOT NULL UNIQUE,
    customer_id   BIGINT NOT NULL REFERENCES customers (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('contract', 'annex')),
    parent_number TEXT,
    title         TEXT    NOT NULL,
    signed_on     DATE    NOT NULL,
    valid_from    DATE    NOT NULL,
    valid_to      DATE,
    status        TEXT    NOT NULL CHECK (status IN ('active', 'ended', 'pending')),
    pdf_sha256    TEXT    REFERENCES files (sha256),
    pdf_name      TEXT,
    row_hash      TEXT    NOT NULL
);
CREATE INDEX contracts_customer ON contracts (customer_id, signed_on);

CREATE TABLE invoices (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number        TEXT    NOT NULL UNIQUE,
    customer_id   BIGINT NOT NULL REFERENCES customers (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('invoice', 'correction', 'interest_note')),
    issue_date    DATE    NOT NULL,
    due_date      DATE    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    charge_gr     BIGINT NOT NULL,
    credited_gr   BIGINT NOT NULL,
    to_pay_gr     BIGINT NOT NULL,
    interest_gr   BIGINT,                          -- as exported by billing, if given
    pdf_sha256    TEXT    REFERENCES files (sha256),
    pdf_name      TEXT,
    row_hash      TEXT    NOT NULL
);
CREATE INDEX invoices_customer_issue ON invoices (customer_id, issue_date DESC, id DESC);
CREATE INDEX invoices_customer_unpaid ON invoices (customer_id, due_date) WHERE to_pay_gr <> 0;

CREATE TABLE invoice_items (
    invoice_id    BIGINT NOT NULL REFERENCES invoices (id),
    line_no       BIGINT NOT NULL,
    name          TEXT    NOT NULL,
    quantity      TEXT    NOT NULL,
    unit          TEXT    NOT NULL,
    unit_price    TEXT    NOT NULL,                 -- net, exact decimal text
    net_gr        BIGINT NOT NULL,
    vat_rate      TEXT    NOT NULL,                 -- '23', '8', '0', 'zw'
    vat_gr        BIGINT NOT NULL,
    gross_gr      BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);

CREATE TABLE payments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference     TEXT    NOT NULL UNIQUE,          -- billing's payment id
    customer_id   BIGINT NOT NULL REFERENCES customers (id),
    paid_on       DATE    NOT NULL,
    amount_gr     BIGINT NOT NULL,
    invoice_number TEXT,
    title         TEXT    NOT NULL DEFAULT '',
    row_hash      TEXT    NOT NULL
);
CREATE INDEX payments_customer ON payments (customer_id, paid_on DESC);

CREATE TABLE collections (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number   TEXT    NOT NULL UNIQUE,
    customer_id   BIGINT NOT NULL REFERENCES customers (id),
    stage         TEXT    NOT NULL CHECK (stage IN ('reminder', 'demand', 'court', 'enforcement')),
    status        TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    opened_on     DATE    NOT NULL,
    updated_on    DATE    NOT NULL,
    principal_gr  BIGINT NOT NULL,
    interest_gr   BIGINT NOT NULL DEFAULT 0,
    costs_gr      BIGINT NOT NULL DEFAULT 0,
    court         TEXT,
    signature     TEXT,                             -- court case signature (sygnatura akt)
    bailiff       TEXT,
    description   TEXT    NOT NULL DEFAULT '',
    row_hash      TEXT    NOT NULL
);
CREATE INDEX collections_customer ON collections (customer_id, opened_on DESC);

CREATE TABLE messages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference     TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL CHECK (kind IN ('failure', 'interruption', 'maintenance', 'tariff', 'information')),
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    valid_from    DATE    NOT NULL,
    valid_to      DATE,
    area          TEXT,
    row_hash      TEXT    NOT NULL
);
CREATE INDEX messages_valid ON messages (valid_from DESC);

CREATE TABLE accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identifier    TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('customer', 'staff')),
    customer_id   BIGINT REFERENCES customers (id),
    name          TEXT    NOT NULL,
    email         TEXT,
    password_hash TEXT    NOT NULL,
    must_change   BOOLEAN NOT NULL DEFAULT TRUE,
    temp_expires_at TIMESTAMPTZ,
    locked        BOOLEAN NOT NULL DEFAULT FALSE,
    closed        BOOLEAN NOT NULL DEFAULT FALSE,
    lang          TEXT    NOT NULL DEFAULT 'pl',
    created_at    TIMESTAMPTZ    NOT NULL,
    password_changed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX accounts_customer ON accounts (customer_id) WHERE customer_id IS NOT NULL AND NOT closed;

-- One row per (channel, source): the conversation of a chat, email sender or console.
CREATE TABLE chats (
    channel       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    account_id    BIGINT REFERENCES accounts (id),
    session_started_at TIMESTAMPTZ,
    last_seen_at  TIMESTAMPTZ,
    lang          TEXT,
    state         TEXT    NOT NULL DEFAULT '{}',    -- dialogue state (JSON)
    blocked       BOOLEAN NOT NULL DEFAULT FALSE,       -- the user blocked the bot
    PRIMARY KEY (channel, source)
);
CREATE INDEX chats_account ON chats (account_id);

CREATE TABLE login_throttle (
    key           TEXT    PRIMARY KEY,              -- 'id:<identifier>' or 'src:<channel>:<source>'
    failures      BIGINT NOT NULL,
    last_failure_at TIMESTAMPTZ  NOT NULL,
    blocked_until TIMESTAMPTZ    NOT NULL
);

CREATE TABLE audit_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TIMESTAMPTZ    NOT NULL,
    actor         TEXT    NOT NULL,                 -- account identifier or 'system'/'operator'
    action        TEXT    NOT NULL,
    target        TEXT    NOT NULL DEFAULT '',
    detail        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Durable outbox: everything that must reach someone.
CREATE TABLE outbox (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key    TEXT    NOT NULL UNIQUE,
    channel       TEXT    NOT NULL,                 -- 'email', 'telegram', 'staff'
    recipient     TEXT    NOT NULL,
    payload       TEXT    NOT NULL,                 -- JSON
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ  NOT NULL,
    last_error    TEXT,
    created_at    TIMESTAMPTZ    NOT NULL,
    sent_at       TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE settings (
    key           TEXT    PRIMARY KEY,
    value         TEXT    NOT NULL
);
