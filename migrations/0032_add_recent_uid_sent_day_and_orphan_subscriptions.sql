-- IMAP compliance (RFC 3501 section 2.3.2, RFC 3501 section 6.4.4).
--
-- folders.recent_uid: the "recent boundary". A message is \Recent for exactly one IMAP4rev1
-- session: the first to select the folder (or to be told of the message while selected) after
-- the message arrived, on any node. That session advances the boundary to the UIDNEXT it knows
-- with one UPDATE returning the old value; messages at or above the old value and below the new
-- one are its recent messages. EXAMINE and STATUS only read it. IMAP4rev2 has no \Recent (RFC
-- 9051 appendix E) and leaves it alone. Existing messages are not recent after this migration.
ALTER TABLE folders ADD COLUMN recent_uid bigint NOT NULL DEFAULT 1;
UPDATE folders SET recent_uid = uid_next;

-- message_text.sent_day: the calendar date of the Date: header as written, in the header's own
-- zone (SENTBEFORE/SENTON/SENTSINCE disregard time and timezone), which messages.sent_date (a UTC
-- instant) cannot give back. Filled with the rest of message_text when a folder is indexed; NULL
-- for rows indexed before this migration and messages without a usable Date: (SEARCH then falls
-- back to the UTC date of sent_date, or the internal date).
ALTER TABLE message_text ADD COLUMN sent_day date;

-- orphan_subscriptions: subscribed names with no folder (RFC 3501 section 6.3.6: the server must
-- not drop a name from the subscription list because its mailbox is gone; RFC 5258 section 3.5:
-- LIST (SUBSCRIBED) shows them as \NonExistent). A folder's own mark stays folders.subscribed;
-- DELETE of a subscribed folder moves the mark here, CREATE of the name moves it back.
CREATE TABLE orphan_subscriptions (
    tenant_id   bigint NOT NULL,
    mailbox_id  bigint NOT NULL,
    name        text   NOT NULL,
    PRIMARY KEY (tenant_id, mailbox_id, name),
    FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes ON DELETE CASCADE
);
