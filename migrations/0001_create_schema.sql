-- HostedMail initial schema.
-- Every table carries tenant_id and every primary key starts with it, so the schema can be
-- sharded on tenant_id (ARCHITECTURE.md, "Storage"). Names are snake_case.

CREATE TABLE tenants (
    tenant_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    plan        text        NOT NULL DEFAULT 'free',
    state       text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    version     integer     NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX tenants_name_key ON tenants (lower(name));

CREATE TABLE domains (
    tenant_id          bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    domain_id          bigint      GENERATED ALWAYS AS IDENTITY,
    name               text        NOT NULL CHECK (name = lower(name)),   -- ASCII form (punycode)
    state              text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'verified')),
    verification_token text        NOT NULL,
    verified_at        timestamptz,
    verified_by        text        CHECK (verified_by IN ('dns', 'operator')),
    last_checked_at    timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, domain_id),
    UNIQUE (tenant_id, name),
    CHECK ((state = 'verified') = (verified_at IS NOT NULL))
);
-- A domain name is owned by at most one tenant once verified: that tenant receives its mail.
CREATE UNIQUE INDEX domains_verified_name_key ON domains (name) WHERE state = 'verified';

CREATE TABLE mailboxes (
    tenant_id      bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    mailbox_id     bigint      GENERATED ALWAYS AS IDENTITY,
    domain_id      bigint      NOT NULL,
    address        text        NOT NULL CHECK (address = lower(address)),
    display_name   text,
    password_hash  text,
    quota_bytes    bigint      NOT NULL CHECK (quota_bytes >= 0),
    used_bytes     bigint      NOT NULL DEFAULT 0,
    state          text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, mailbox_id),
    UNIQUE (tenant_id, address),
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains ON DELETE CASCADE
);
CREATE INDEX mailboxes_address_idx ON mailboxes (address);

-- An alias delivers to mailboxes and/or external addresses; '*@domain' is the domain's catch-all.
CREATE TABLE aliases (
    tenant_id   bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    alias_id    bigint      GENERATED ALWAYS AS IDENTITY,
    domain_id   bigint      NOT NULL,
    address     text        NOT NULL CHECK (address = lower(address)),
    targets     text[]      NOT NULL CHECK (cardinality(targets) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, alias_id),
    UNIQUE (tenant_id, address),
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains ON DELETE CASCADE
);
CREATE INDEX aliases_address_idx ON aliases (address);

-- UIDVALIDITY values come from one sequence started at the current Unix time, so a folder
-- re-created under an old name never reuses a value (RFC 9051 section 2.3.1.1).
CREATE SEQUENCE uid_validity_seq;
SELECT setval('uid_validity_seq', extract(epoch FROM now())::bigint);

CREATE TABLE folders (
    tenant_id       bigint      NOT NULL,
    folder_id       bigint      GENERATED ALWAYS AS IDENTITY,
    mailbox_id      bigint      NOT NULL,
    name            text        NOT NULL,                 -- full path, '/' delimited, 'INBOX' canonical
    special_use     text        CHECK (special_use IN ('\All', '\Archive', '\Drafts', '\Flagged', '\Junk', '\Sent', '\Trash')),
    subscribed      boolean     NOT NULL DEFAULT true,
    uid_validity    bigint      NOT NULL DEFAULT nextval('uid_validity_seq') CHECK (uid_validity BETWEEN 1 AND 4294967295),
    uid_next        bigint      NOT NULL DEFAULT 1,
    highest_modseq  bigint      NOT NULL DEFAULT 1,
    message_count   integer     NOT NULL DEFAULT 0,
    unseen_count    integer     NOT NULL DEFAULT 0,
    total_size      bigint      NOT NULL DEFAULT 0,       -- STATUS=SIZE (RFC 8438)
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, folder_id),
    UNIQUE (tenant_id, mailbox_id, name),
    FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes ON DELETE CASCADE
);

-- Raw message bytes, stored once per tenant by SHA-256 and shared by every copy.
CREATE TABLE blobs (
    tenant_id   bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    sha256      bytea       NOT NULL CHECK (length(sha256) = 32),
    size        bigint      NOT NULL,
    data        bytea       NOT NULL,
    ref_count   integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE messages (
    tenant_id      bigint      NOT NULL,
    message_id     bigint      GENERATED ALWAYS AS IDENTITY,
    mailbox_id     bigint      NOT NULL,
    folder_id      bigint      NOT NULL,
    uid            bigint      NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
    modseq         bigint      NOT NULL,
    blob_sha256    bytea       NOT NULL,
    size           bigint      NOT NULL,
    internal_date  timestamptz NOT NULL,
    -- System flags as bits: 1 \Seen, 2 \Answered, 4 \Flagged, 8 \Deleted, 16 \Draft.
    flags          integer     NOT NULL DEFAULT 0,
    keywords       text[]      NOT NULL DEFAULT '{}',
    -- Cached IMAP views and sort keys, filled at delivery so FETCH and SORT never re-parse.
    envelope       bytea,
    body_structure bytea,
    subject        text,
    sent_date      timestamptz,
    from_address   text,
    message_id_hdr text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, message_id),
    UNIQUE (tenant_id, folder_id, uid),
    FOREIGN KEY (tenant_id, folder_id) REFERENCES folders ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, blob_sha256) REFERENCES blobs
);
CREATE INDEX messages_folder_modseq_idx ON messages (tenant_id, folder_id, modseq);

-- Expunged UIDs with their MODSEQ, for QRESYNC VANISHED (RFC 7162 section 3.2.10).
CREATE TABLE expunged_messages (
    tenant_id    bigint      NOT NULL,
    folder_id    bigint      NOT NULL,
    uid          bigint      NOT NULL,
    modseq       bigint      NOT NULL,
    expunged_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, folder_id, uid),
    FOREIGN KEY (tenant_id, folder_id) REFERENCES folders ON DELETE CASCADE
);
CREATE INDEX expunged_messages_modseq_idx ON expunged_messages (tenant_id, folder_id, modseq);

-- Outbound queue: one row per message, one per recipient (results are per recipient).
CREATE TABLE outbound_messages (
    tenant_id     bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    queue_id      bigint      GENERATED ALWAYS AS IDENTITY,
    mailbox_id    bigint,
    envelope_from text        NOT NULL,                   -- '' is the null reverse-path
    blob_sha256   bytea       NOT NULL,
    size          bigint      NOT NULL,
    envid         text,
    ret           text        CHECK (ret IN ('FULL', 'HDRS')),
    require_tls   boolean     NOT NULL DEFAULT false,
    smtputf8      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, queue_id),
    FOREIGN KEY (tenant_id, blob_sha256) REFERENCES blobs
);

CREATE TABLE outbound_recipients (
    tenant_id        bigint      NOT NULL,
    queue_id         bigint      NOT NULL,
    recipient        text        NOT NULL,
    domain           text        NOT NULL,
    state            text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'failed', 'expired')),
    notify           text,
    orcpt            text,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_reply       text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, queue_id, recipient),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES outbound_messages ON DELETE CASCADE
);
CREATE INDEX outbound_recipients_due_idx ON outbound_recipients (next_attempt_at, domain) WHERE state = 'queued';

-- Who changed what, when, from where. tenant_id is null only for operator actions that
-- concern no tenant.
CREATE TABLE audit_log (
    audit_id     bigint      GENERATED ALWAYS AS IDENTITY,
    tenant_id    bigint      REFERENCES tenants ON DELETE CASCADE,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor        text        NOT NULL,
    remote_addr  inet,
    action       text        NOT NULL,
    target       text        NOT NULL,
    details      jsonb,
    PRIMARY KEY (audit_id)
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, occurred_at DESC);
