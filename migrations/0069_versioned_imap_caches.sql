-- Versioned IMAP caches (issue 13): fixes to what is cached per blob reach messages stored before.
--
-- blobs.views_version: the version of ImapBodyStructure that produced blobs.envelope and
-- blobs.body_structure (HostedMail.Mime ImapBodyStructure.Version). Views of another version are
-- stale: FETCH computes them from the blob and writes them back, so existing messages get the
-- corrected BODYSTRUCTURE (RFC 2231 parameters, message/global for IMAP4rev1, the transfer
-- encoding's mechanism) lazily. Rows stored before this migration are version 1.
ALTER TABLE blobs ADD COLUMN views_version smallint NOT NULL DEFAULT 1;

-- message_text.version: the version of MessageText.Extract that produced the row
-- (HostedMail.Core MessageText.Version); part_headers: the header fields of MIME body parts, which
-- SEARCH TEXT matches (RFC 3501 section 6.4.4: "the header or body") and SEARCH BODY does not.
-- folders.text_version: the version every message_text row of the folder's messages had when it
-- was last checked; a SEARCH of a folder with an older one marks its messages for extraction
-- again (once), so an existing mailbox gets the fixes folder by folder.
ALTER TABLE message_text ADD COLUMN version smallint NOT NULL DEFAULT 1,
                         ADD COLUMN part_headers text NOT NULL DEFAULT '';
ALTER TABLE message_text ALTER COLUMN part_headers SET COMPRESSION lz4;
CREATE INDEX message_text_part_headers_trgm_idx ON message_text USING gin (part_headers gin_trgm_ops);
ALTER TABLE folders ADD COLUMN text_version smallint NOT NULL DEFAULT 1;
