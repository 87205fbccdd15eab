-- Rate limits counted cluster-wide (issue 18 item 5): one row per budget, key (a client address)
-- and fixed window. Every node increments the same row, so N nodes do not give N times the budget.
-- Rows of past windows are deleted as new ones are written. Not tenant data: keys are addresses
-- of anonymous callers (sign-up, confirmation, reset) before any tenant is known.
CREATE TABLE rate_limit_counters (
    budget        text        NOT NULL,
    key           text        NOT NULL,
    window_start  timestamptz NOT NULL,
    hits          integer     NOT NULL,
    PRIMARY KEY (budget, key, window_start)
);
CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_start);
