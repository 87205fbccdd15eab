-- migration: outside a transaction
-- Tombstones of expunged messages (expunged_messages) are kept for Imap:ExpungeHistory (30 days by
-- default), not forever: every expunge, IMAP or POP3, left a row behind, so the table grew with all
-- the mail ever deleted. The node prunes them (ExpungeHistoryPruner) and records in the folder the
-- highest MODSEQ it pruned: what changed since a MODSEQ at or above expunge_horizon is complete;
-- a client resynchronising from below it is told that every UID it asked about and the folder no
-- longer holds has vanished (RFC 7162 sections 3.2.5.2 and 3.2.6 allow UIDs expunged earlier).
-- Adding a column with a constant default changes only the catalog.
ALTER TABLE folders ADD COLUMN IF NOT EXISTS expunge_horizon bigint NOT NULL DEFAULT 0;

-- The pruner finds old tombstones by age across all folders. Rows arrive in time order, so a BRIN
-- index answers that for a few pages of index and adds nothing to an expunge's cost (a B-tree
-- would add an entry per expunged message). Built CONCURRENTLY: the table holds every expunge ever
-- made until this release, and expunges go on while it builds (a failed build is dropped and made
-- again when the migration runs again).
DROP INDEX CONCURRENTLY IF EXISTS expunged_messages_expunged_at_idx;
CREATE INDEX CONCURRENTLY expunged_messages_expunged_at_idx ON expunged_messages USING brin (expunged_at);
