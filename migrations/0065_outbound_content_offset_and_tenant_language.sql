-- Mail flow edges (issue 18).
-- A queued copy may leave out the first bytes of its blob: a forward shares the blob of the local
-- copies but must not carry the Return-Path added for local delivery (RFC 5321 section 4.4: only
-- the final delivery MTA adds it). The queued message is the blob from this byte on.
ALTER TABLE outbound_messages
    ADD COLUMN content_offset integer NOT NULL DEFAULT 0 CHECK (content_offset >= 0);

-- The language of the tenant's system texts (delivery status notifications); NULL is English.
ALTER TABLE tenants
    ADD COLUMN language text CHECK (language IN ('en', 'de'));
