-- The reply of each Telegram update, decided once (PostgreSQL).
--
-- An update's row in telegram_updates is now written with the reply it got — the Bot API
-- calls that make it (texts as rendered, buttons, files) — in one transaction, before
-- anything is sent; the reply is sent after that commit. `sent_steps` counts the calls
-- Telegram has taken; `reply` is cleared once all of them are sent. An update Telegram
-- delivers again (a crash before its confirmation) is never run again: a stored reply
-- goes out from the first call not known to be sent, a cleared one not at all. The typed
-- input (a password) is never stored, only what is sent.
ALTER TABLE telegram_updates ADD COLUMN reply TEXT;
ALTER TABLE telegram_updates ADD COLUMN sent_steps BIGINT NOT NULL DEFAULT 0;
