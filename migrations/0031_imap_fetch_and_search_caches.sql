-- IMAP speed (issue 6): what FETCH and SEARCH need without reading or parsing whole blobs.
--
-- header_size: length in bytes of the top-level header block, blank line included (RFC 9051
-- section 6.4.5 BODY[HEADER]), measured by the MIME parser at delivery/APPEND. FETCH of
-- BODY[HEADER], BODY[HEADER.FIELDS ...] and RFC822.HEADER reads only that prefix of the blob, for a
-- whole FETCH range in one query. NULL (rows stored before this migration) means "parse the blob".
ALTER TABLE messages ADD COLUMN header_size integer CHECK (header_size >= 0);

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
