-- The evening preview per target (a chat, the address on file): off unless turned on.
ALTER TABLE notify_targets ADD COLUMN evening BOOLEAN NOT NULL DEFAULT FALSE;
