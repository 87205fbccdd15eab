-- IMAP speed (issue 6): what FETCH and SEARCH need without reading or parsing whole blobs.
--
-- blobs.header: the top-level header block (blank line included, RFC 9051 section 6.4.5
-- BODY[HEADER]) as found by the MIME parser at delivery/APPEND, also kept apart from the data.
-- FETCH of BODY[HEADER], BODY[HEADER.FIELDS ...] and RFC822.HEADER (how clients list a folder)
-- reads it for a whole FETCH range in one query, without detoasting the blob: a prefix slice of
-- an LZ4-compressed value still fetches every chunk. Costs the header's size once more per blob
-- (typically 1-5 % of a message). NULL (blobs stored before this migration): parse the blob.
ALTER TABLE blobs ADD COLUMN header bytea;

-- ENVELOPE and BODYSTRUCTURE (RFC 9051 section 7.5.2) depend only on the bytes: they move from
-- every copy's messages row to the blob. Message rows shrink from ~600 to ~250 bytes, which every
-- flag change (a new row version) and every folder scan (SEARCH) pays for.
ALTER TABLE blobs ADD COLUMN envelope bytea, ADD COLUMN body_structure bytea;
UPDATE blobs b SET envelope = m.envelope, body_structure = m.body_structure
FROM (SELECT DISTINCT ON (tenant_id, blob_sha256) tenant_id, blob_sha256, envelope, body_structure
      FROM messages WHERE envelope IS NOT NULL ORDER BY tenant_id, blob_sha256) m
WHERE b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256;
ALTER TABLE messages DROP COLUMN envelope, DROP COLUMN body_structure;

-- text_indexed: whether message_text holds this message's blob. Text is extracted lazily, at the
-- first SEARCH of the folder that needs it (not on the delivery or APPEND path, where trigram GIN
-- inserts cost ~4 ms of database CPU per message); the partial index makes "is anything in this
-- folder not indexed yet?" an index probe instead of an anti-join over the folder.
ALTER TABLE messages ADD COLUMN text_indexed boolean NOT NULL DEFAULT false;
UPDATE messages m SET text_indexed = true
WHERE EXISTS (SELECT 1 FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256);
CREATE INDEX messages_folder_unindexed_idx ON messages (tenant_id, folder_id) WHERE NOT text_indexed;

-- LZ4 decompresses several times faster than the default pglz at a similar ratio on mail text;
-- FETCH BODY[] and header prefixes decompress on every read. Applies to values written from now on.
ALTER TABLE blobs ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE message_text ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE message_text ALTER COLUMN body SET COMPRESSION lz4;
