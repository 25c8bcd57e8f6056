-- Complaints and requests (PostgreSQL). A case is numbered per kind and year from
-- `case_counters`, whose row is updated in the transaction that inserts the case (the
-- row lock queues concurrent filers), so numbers have no gaps and no duplicates. Descriptions, answers and
-- attachments are personal data: kept here, never on the file system.
CREATE TABLE case_counters (
    kind  TEXT    NOT NULL,
    year  INTEGER NOT NULL,
    last  BIGINT  NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE cases (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number            TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL CHECK (kind IN ('complaint', 'request')),
    year              INTEGER NOT NULL,
    seq               BIGINT  NOT NULL,
    subject           TEXT    NOT NULL,
    customer_id       BIGINT  NOT NULL REFERENCES customers (id),
    account_id        BIGINT  REFERENCES accounts (id),  -- who filed it (NULL: staff for the customer)
    filed_by          TEXT    NOT NULL,                  -- account identifier of the filer
    channel           TEXT    NOT NULL,                  -- where it came in; answers go back there
    reply_to          TEXT    NOT NULL,                  -- that channel's chat or address
    lang              TEXT    NOT NULL,
    household         BOOLEAN NOT NULL,                  -- a consumer (ADR statement on rejection)
    urgent            BOOLEAN NOT NULL,                  -- art. 6c
    invoice_number    TEXT,
    description       TEXT    NOT NULL,
    form              TEXT,                              -- typed request fields (JSON)
    state             TEXT    NOT NULL,
    received_on       DATE    NOT NULL,
    deadline          DATE    NOT NULL,
    extended          BOOLEAN NOT NULL DEFAULT FALSE,
    extension_reason  TEXT,
    assignee          TEXT,
    outcome           TEXT,
    answer            TEXT,
    discount_days     BIGINT,
    discount_gr       BIGINT ,
    reminded          BOOLEAN NOT NULL DEFAULT FALSE,        -- the assignee was reminded
    escalated         BOOLEAN NOT NULL DEFAULT FALSE,        -- all staff were told it is overdue
    created_at        TIMESTAMPTZ    NOT NULL,
    updated_at        TIMESTAMPTZ    NOT NULL,
    closed_at         TIMESTAMPTZ,
    UNIQUE (kind, year, seq)
);
CREATE INDEX cases_customer ON cases (customer_id);
CREATE INDEX cases_open ON cases (state, deadline);

CREATE TABLE case_events (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id  BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at       TIMESTAMPTZ    NOT NULL,
    actor    TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_files (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    body          BYTEA   NOT NULL,
    added_at      TIMESTAMPTZ    NOT NULL,
    added_by      TEXT    NOT NULL
);
CREATE INDEX case_files_case ON case_files (case_id, id);
