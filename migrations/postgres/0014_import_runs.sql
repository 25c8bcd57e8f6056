-- Billing import runs (PostgreSQL). `ebok import` is a process of its own, so it records
-- each run here and `ebok serve` reports the last ones in /metrics.
CREATE TABLE import_runs (
    id           BIGSERIAL PRIMARY KEY,
    finished_at  TIMESTAMPTZ NOT NULL,
    ok           BOOLEAN NOT NULL,
    rows_read    BIGINT NOT NULL,
    seconds      DOUBLE PRECISION NOT NULL
);
CREATE INDEX import_runs_by_result ON import_runs (ok, id);
