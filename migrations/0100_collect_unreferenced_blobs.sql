-- migration: outside a transaction
-- A blob whose last message was expunged (or whose folder, mailbox or domain was deleted, or whose
-- outbound copy was sent) kept its row with ref_count 0: nothing deleted them, so the content of
-- every message ever received stayed in the database after its user deleted it.
-- UnreferencedBlobCollector deletes them; these indexes make that cheap:
-- - the blobs waiting to be collected (a partial index: only they are in it; a ref_count change of
--   any other blob adds nothing to it);
-- - the references of a blob: the foreign keys of messages and outbound_messages are checked on
--   every blob deleted, and without an index that check reads every message of the tenant.
-- Finished outbound messages are kept for message tracking and the sending limits for
-- Outbound:History, then deleted with their recipients and delivery log (OutboundHistoryPruner);
-- until then they hold their blob.
-- Each index is built CONCURRENTLY: messages is the largest table, and deliveries, APPENDs and
-- expunges go on while it builds. A failed build leaves an invalid index, dropped and made again
-- when the migration runs again.
DROP INDEX CONCURRENTLY IF EXISTS blobs_unreferenced_idx;
CREATE INDEX CONCURRENTLY blobs_unreferenced_idx ON blobs (tenant_id, sha256) WHERE ref_count <= 0;
DROP INDEX CONCURRENTLY IF EXISTS messages_blob_idx;
CREATE INDEX CONCURRENTLY messages_blob_idx ON messages (tenant_id, blob_sha256);
DROP INDEX CONCURRENTLY IF EXISTS outbound_messages_blob_idx;
CREATE INDEX CONCURRENTLY outbound_messages_blob_idx ON outbound_messages (tenant_id, blob_sha256);
DROP INDEX CONCURRENTLY IF EXISTS outbound_messages_finished_idx;
CREATE INDEX CONCURRENTLY outbound_messages_finished_idx ON outbound_messages (finished_at) WHERE finished_at IS NOT NULL;
