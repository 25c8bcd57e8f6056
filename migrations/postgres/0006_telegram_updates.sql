-- Telegram updates the bot has answered, until Telegram knows it (PostgreSQL).
--
-- The bot confirms updates to Telegram (the offset of its next getUpdates) only after it
-- has answered every update of the batch and written its row here. A crash before that
-- makes Telegram deliver the batch again: the rows say which of its updates were
-- answered already, so those are not answered twice. Rows below the confirmed offset are
-- deleted (Telegram never delivers those again).
CREATE TABLE telegram_updates (
    update_id    BIGINT PRIMARY KEY,
    chat_id      BIGINT NOT NULL,               -- the chat (or user) the update came from
    answered_at  TIMESTAMPTZ NOT NULL
);
