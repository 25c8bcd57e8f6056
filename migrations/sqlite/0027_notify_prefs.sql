-- A customer account's own choices for its reminders: how many days before a bill's
-- due date "due soon" comes (1–14; no row: the utility's [notifications] due_soon_days).
CREATE TABLE notify_prefs (
    account_id    INTEGER NOT NULL PRIMARY KEY REFERENCES accounts (id),
    due_soon_days INTEGER NOT NULL CHECK (due_soon_days BETWEEN 1 AND 14)
);
