-- Telegram updates being answered now, by whichever instance claimed them (SQLite).
--
-- In webhook mode Telegram may deliver an update again (it got no 200 in time) to another
-- instance on the same database while the first is still answering it. Before answering,
-- an instance claims the update here until `claimed_until`; a live claim held by another
-- makes the copy wait for a later retry (503). A claim that ran out (its instance died)
-- may be taken over. The claim is deleted once the update is recorded in telegram_updates.
CREATE TABLE telegram_claims (
    update_id      INTEGER PRIMARY KEY,
    chat_id        INTEGER NOT NULL,
    claimed_until  TEXT NOT NULL
);
