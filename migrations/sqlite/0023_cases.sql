-- Complaints and requests (SQLite). A case is numbered per kind and year from
-- `case_counters`, whose row is updated in the transaction that inserts the case (under
-- BEGIN IMMEDIATE), so numbers have no gaps and no duplicates. Descriptions, answers and
-- attachments are personal data: kept here, never on the file system.
CREATE TABLE case_counters (
    kind  TEXT    NOT NULL,
    year  INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    number            TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL CHECK (kind IN ('complaint', 'request')),
    year              INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    subject           TEXT    NOT NULL,
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    account_id        INTEGER REFERENCES accounts (id),  -- who filed it (NULL: staff for the customer)
    filed_by          TEXT    NOT NULL,                  -- account identifier of the filer
    channel           TEXT    NOT NULL,                  -- where it came in; answers go back there
    reply_to          TEXT    NOT NULL,                  -- that channel's chat or address
    lang              TEXT    NOT NULL,
    household         INTEGER NOT NULL,                  -- a consumer (ADR statement on rejection)
    urgent            INTEGER NOT NULL,                  -- art. 6c
    invoice_number    TEXT,
    description       TEXT    NOT NULL,
    form              TEXT,                              -- typed request fields (JSON)
    state             TEXT    NOT NULL,
    received_on       TEXT    NOT NULL,
    deadline          TEXT    NOT NULL,
    extended          INTEGER NOT NULL DEFAULT 0,
    extension_reason  TEXT,
    assignee          TEXT,
    outcome           TEXT,
    answer            TEXT,
    discount_days     INTEGER,
    discount_gr       INTEGER,
    reminded          INTEGER NOT NULL DEFAULT 0,        -- the assignee was reminded
    escalated         INTEGER NOT NULL DEFAULT 0,        -- all staff were told it is overdue
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    closed_at         TEXT,
    UNIQUE (kind, year, seq)
);
CREATE INDEX cases_customer ON cases (customer_id);
CREATE INDEX cases_open ON cases (state, deadline);

CREATE TABLE case_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at       TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    body          BLOB    NOT NULL,
    added_at      TEXT    NOT NULL,
    added_by      TEXT    NOT NULL
);
CREATE INDEX case_files_case ON case_files (case_id, id);
