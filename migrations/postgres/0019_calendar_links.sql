-- Private calendar subscription links (PostgreSQL): at most one per account; only a hash
-- of its token is kept (the token is shown once, in the link). Revoking deletes the row.
CREATE TABLE calendar_links (
    account_id  BIGINT      NOT NULL PRIMARY KEY REFERENCES accounts (id),
    token_hash  TEXT        NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);
