-- Billing with Stripe (issue 16): one subscription row per tenant, and every webhook event by id.

CREATE TABLE billing_subscriptions (
    tenant_id            bigint      PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    customer_id          text        UNIQUE,
    subscription_id      text,
    plan                 text        NOT NULL DEFAULT 'free',
    status               text        NOT NULL DEFAULT 'none',
    billing_interval     text,
    seats                integer     NOT NULL DEFAULT 0,
    subscription_item_id text,
    current_period_end   timestamptz,
    trial_end            timestamptz,
    cancel_at_period_end boolean     NOT NULL DEFAULT false,
    past_due_since       timestamptz,
    -- The Stripe time (event "created", or the fetch time of a resync) of the state held: older news never overwrites it.
    state_at             timestamptz,
    -- The dunning phase last announced (audit, mail): none, grace, sending_blocked, read_only.
    dunning_phase        text        NOT NULL DEFAULT 'none',
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The primary key decides: a duplicate or a replay (also at two nodes at once) inserts nothing and is not applied again.
CREATE TABLE billing_events (
    event_id     text        PRIMARY KEY,
    event_type   text        NOT NULL,
    api_version  text,
    created_at   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    payload      text        NOT NULL,
    -- received, applying, applied, ignored, failed
    status       text        NOT NULL DEFAULT 'received',
    tenant_id    bigint      REFERENCES tenants ON DELETE SET NULL,
    detail       text,
    applied_at   timestamptz
);
CREATE INDEX billing_events_tenant ON billing_events (tenant_id, received_at DESC);
CREATE INDEX billing_events_unapplied ON billing_events (received_at) WHERE status NOT IN ('applied', 'ignored');
