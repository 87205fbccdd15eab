-- Tombstones of expunged messages (expunged_messages) are kept for Imap:ExpungeHistory (30 days by
-- default), not forever: every expunge, IMAP or POP3, left a row behind, so the table grew with all
-- the mail ever deleted. The node prunes them (ExpungeHistoryPruner) and records in the folder the
-- highest MODSEQ it pruned: what changed since a MODSEQ at or above expunge_horizon is complete;
-- a client resynchronising from below it is told that every UID it asked about and the folder no
-- longer holds has vanished (RFC 7162 section 3.2.5.2 and 3.2.6 allow UIDs expunged earlier).
ALTER TABLE folders ADD COLUMN expunge_horizon bigint NOT NULL DEFAULT 0;

-- The pruner finds old tombstones by age across all folders. Rows arrive in time order, so a BRIN
-- index answers that for a few pages of index and adds nothing to an expunge's cost (a B-tree
-- would add an entry per expunged message).
CREATE INDEX expunged_messages_expunged_at_idx ON expunged_messages USING brin (expunged_at);
