-- IMAP SEARCH (RFC 9051 section 6.4.4) matches case-insensitive substrings of decoded header
-- values and body text. The decoded text is kept once per blob (copies share it) and indexed with
-- trigrams, which serve ILIKE '%...%' and case-insensitive regular expressions alike.
-- pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE message_text (
    tenant_id    bigint NOT NULL,
    blob_sha256  bytea  NOT NULL,
    headers      text   NOT NULL,   -- one "name: decoded value" line per field, names lower case
    body         text   NOT NULL,   -- text of the body parts, HTML stripped
    PRIMARY KEY (tenant_id, blob_sha256),
    FOREIGN KEY (tenant_id, blob_sha256) REFERENCES blobs ON DELETE CASCADE
);
CREATE INDEX message_text_headers_trgm_idx ON message_text USING gin (headers gin_trgm_ops);
CREATE INDEX message_text_body_trgm_idx ON message_text USING gin (body gin_trgm_ops);

-- EXPUNGE and STATUS DELETED look for \Deleted (bit 8) messages only.
CREATE INDEX messages_folder_deleted_idx ON messages (tenant_id, folder_id, uid) WHERE flags & 8 <> 0;
