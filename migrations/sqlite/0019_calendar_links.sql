-- Private calendar subscription links (SQLite): at most one per account; only a hash of
-- its token is kept (the token is shown once, in the link). Revoking deletes the row.
CREATE TABLE calendar_links (
    account_id  INTEGER NOT NULL PRIMARY KEY REFERENCES accounts (id),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);
