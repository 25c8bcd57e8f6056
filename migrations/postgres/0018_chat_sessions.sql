-- Several accounts in one chat (PostgreSQL): a chat (Telegram chat, email address, console)
-- may hold a session of each of up to `security.max_chat_accounts` accounts, each with
-- its own start and last-seen times (timeouts apply per account). `chats` keeps the
-- chat's own record (language, dialogue, blocked) and which session is current.
CREATE TABLE chat_sessions (
    channel       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    account_id    BIGINT  NOT NULL REFERENCES accounts (id),
    started_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    opened        INTEGER NOT NULL,               -- order of logins in the chat (1, 2, …)
    PRIMARY KEY (channel, source, account_id)
);
CREATE INDEX chat_sessions_account ON chat_sessions (account_id);

-- The one session a chat had so far becomes its first (and current) session.
INSERT INTO chat_sessions (channel, source, account_id, started_at, last_seen_at, opened)
SELECT channel, source, account_id, session_started_at,
       COALESCE(last_seen_at, session_started_at), 1
FROM chats WHERE account_id IS NOT NULL AND session_started_at IS NOT NULL;
UPDATE chats SET account_id = NULL WHERE session_started_at IS NULL;

ALTER TABLE chats RENAME COLUMN account_id TO current_account_id;
ALTER TABLE chats DROP COLUMN session_started_at;
ALTER TABLE chats DROP COLUMN last_seen_at;
