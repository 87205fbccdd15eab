-- A blob whose last message was expunged (or whose folder, mailbox or domain was deleted, or whose
-- outbound copy was sent) kept its row with ref_count 0: nothing deleted them, so the content of
-- every message ever received stayed in the database after its user deleted it.
-- UnreferencedBlobCollector deletes them; these indexes make that cheap:
-- - the blobs waiting to be collected (a partial index: only they are in it; a ref_count change of
--   any other blob adds nothing to it);
-- - the references of a blob: the foreign keys of messages and outbound_messages are checked on
--   every blob deleted, and without an index that check reads every message of the tenant.
CREATE INDEX blobs_unreferenced_idx ON blobs (tenant_id, sha256) WHERE ref_count <= 0;
CREATE INDEX messages_blob_idx ON messages (tenant_id, blob_sha256);
CREATE INDEX outbound_messages_blob_idx ON outbound_messages (tenant_id, blob_sha256);

-- Finished outbound messages are kept for message tracking and the sending limits for
-- Outbound:History, then deleted with their recipients and delivery log (OutboundHistoryPruner);
-- until then they hold their blob.
CREATE INDEX outbound_messages_finished_idx ON outbound_messages (finished_at) WHERE finished_at IS NOT NULL;
