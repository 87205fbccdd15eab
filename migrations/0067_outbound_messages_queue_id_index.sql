-- Operators name a queued message by its queue id alone (hostedmail queue show|retry|delete,
-- issue 18): queue ids come from one identity, so they are unique across tenants, but the primary
-- key starts with tenant_id. This index finds the message without scanning the queue's history.
CREATE INDEX outbound_messages_queue_id_idx ON outbound_messages (queue_id);
