-- Outbound delivery (issue 7): claims with a lease, delay-warning state, blob release, a
-- delivery log per attempt, and indexes for sending limits.

-- A worker claims due recipients by pushing next_attempt_at forward by a lease and stamping a
-- claim token in one short transaction (FOR UPDATE SKIP LOCKED); results are written only where
-- the token still matches, so a node that lost its lease (crash, long stall) cannot overwrite
-- the work of the node that took over.
ALTER TABLE outbound_recipients
    ADD COLUMN claim_token    uuid,
    ADD COLUMN claimed_by     text,
    ADD COLUMN delay_notified boolean NOT NULL DEFAULT false;

-- Set when no recipient is left queued: the message's blob reference has been released.
ALTER TABLE outbound_messages
    ADD COLUMN finished_at timestamptz;

-- Sending limits count recent submissions per tenant and per mailbox.
CREATE INDEX outbound_messages_tenant_created_idx ON outbound_messages (tenant_id, created_at);
CREATE INDEX outbound_messages_mailbox_created_idx ON outbound_messages (tenant_id, mailbox_id, created_at) WHERE mailbox_id IS NOT NULL;

-- One row per delivery attempt per recipient, for the portal's message tracking.
CREATE TABLE outbound_delivery_log (
    tenant_id     bigint      NOT NULL,
    log_id        bigint      GENERATED ALWAYS AS IDENTITY,
    queue_id      bigint      NOT NULL,
    recipient     text        NOT NULL,
    attempted_at  timestamptz NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('delivered', 'deferred', 'failed', 'expired')),
    node          text        NOT NULL,
    remote_host   text,
    remote_ip     text,
    reply         text,
    tls_protocol  text,
    tls_cipher    text,
    duration_ms   integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, log_id),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES outbound_messages ON DELETE CASCADE
);
CREATE INDEX outbound_delivery_log_message_idx ON outbound_delivery_log (tenant_id, queue_id, log_id);
CREATE INDEX outbound_delivery_log_time_idx ON outbound_delivery_log (tenant_id, attempted_at DESC);
