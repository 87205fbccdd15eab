-- The CHECK constraints of the rows every IMAP change writes become domain constraints.
-- PostgreSQL evaluates a table's CHECK constraints on every UPDATE of a row, whichever columns it
-- sets, and rebuilds each constraint's expression from its stored text for every statement (in
-- PostgreSQL 15, ExecConstraints -> stringToNode): every STORE, APPEND and EXPUNGE updates its
-- folder row (HIGHESTMODSEQ) and paid for special_use's seven-name list. A domain's constraint is
-- checked only where a value is written to a column of that type (INSERT, or an UPDATE that sets
-- it), so the rules hold exactly as before and a counter update checks nothing. Measured here
-- (pgbench, one-row durable UPDATE of a column no constraint names, 4 clients, 2 cores): 8,500-9,000
-- transactions/s with the table constraints, 9,800-10,500 with the same rules as domains; in the
-- IMAP mixed benchmark ExecConstraints was 4.7 % of PostgreSQL's backend CPU.
--
-- Order matters for large tables: the table constraints go first, so the type change has nothing
-- to re-verify and rewrites nothing (a domain over the same type keeps the table and its indexes;
-- only the small partial index messages_folder_deleted_idx is rebuilt). The domain constraints are
-- added NOT VALID: the constraints dropped in this same transaction guaranteed the rows already
-- there, and a VALIDATE would scan every table under a lock that blocks writes.
ALTER TABLE folders DROP CONSTRAINT folders_special_use_check, DROP CONSTRAINT folders_uid_validity_check;
ALTER TABLE messages DROP CONSTRAINT messages_uid_check;
ALTER TABLE mailboxes DROP CONSTRAINT mailboxes_address_check, DROP CONSTRAINT mailboxes_quota_bytes_check, DROP CONSTRAINT mailboxes_state_check;
ALTER TABLE blobs DROP CONSTRAINT blobs_sha256_check;

CREATE DOMAIN imap_uid AS bigint;                -- UID and UIDVALIDITY: nonzero 32-bit (RFC 9051 section 2.3.1.1)
CREATE DOMAIN imap_special_use AS text;
CREATE DOMAIN mail_address AS text;
CREATE DOMAIN mailbox_state AS text;
CREATE DOMAIN byte_count AS bigint;
CREATE DOMAIN sha256_digest AS bytea;

ALTER TABLE folders ALTER COLUMN special_use TYPE imap_special_use, ALTER COLUMN uid_validity TYPE imap_uid;
ALTER TABLE messages ALTER COLUMN uid TYPE imap_uid;
ALTER TABLE mailboxes ALTER COLUMN address TYPE mail_address, ALTER COLUMN state TYPE mailbox_state, ALTER COLUMN quota_bytes TYPE byte_count;
ALTER TABLE blobs ALTER COLUMN sha256 TYPE sha256_digest;

ALTER DOMAIN imap_uid ADD CONSTRAINT imap_uid_range CHECK (VALUE BETWEEN 1 AND 4294967295) NOT VALID;
ALTER DOMAIN imap_special_use ADD CONSTRAINT imap_special_use_known CHECK (VALUE IN ('\All', '\Archive', '\Drafts', '\Flagged', '\Junk', '\Sent', '\Trash')) NOT VALID;
ALTER DOMAIN mail_address ADD CONSTRAINT mail_address_lower CHECK (VALUE = lower(VALUE)) NOT VALID;
ALTER DOMAIN mailbox_state ADD CONSTRAINT mailbox_state_known CHECK (VALUE IN ('active', 'disabled')) NOT VALID;
ALTER DOMAIN byte_count ADD CONSTRAINT byte_count_not_negative CHECK (VALUE >= 0) NOT VALID;
ALTER DOMAIN sha256_digest ADD CONSTRAINT sha256_digest_length CHECK (length(VALUE) = 32) NOT VALID;
