-- Message tracking in the portal (issue 17): admins search the last days of their tenant's mail
-- by recipient, sender or Message-ID.

-- The queue keeps the Message-ID and subject of what it sends, so a search by Message-ID finds a
-- queued message without reading its blob, and the result says which message it is.
ALTER TABLE outbound_messages
    ADD COLUMN message_id_hdr text,
    ADD COLUMN subject        text;

CREATE INDEX outbound_messages_message_id_idx ON outbound_messages (tenant_id, message_id_hdr) WHERE message_id_hdr IS NOT NULL;

-- Received mail: the delivered copies of the last days of one tenant, and one Message-ID.
CREATE INDEX messages_tenant_created_idx ON messages (tenant_id, created_at);
CREATE INDEX messages_message_id_idx ON messages (tenant_id, message_id_hdr) WHERE message_id_hdr IS NOT NULL;
