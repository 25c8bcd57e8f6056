-- Billing import runs (SQLite). `ebok import` is a process of its own, so it records
-- each run here and `ebok serve` reports the last ones in /metrics.
CREATE TABLE import_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    finished_at  TEXT NOT NULL,
    ok           BOOLEAN NOT NULL,
    rows_read    INTEGER NOT NULL,
    seconds      REAL NOT NULL
);
CREATE INDEX import_runs_by_result ON import_runs (ok, id);
