-- Tenant portal: the people who administer a tenant, their sessions, one-time tokens, two-factor
-- recovery codes and personal API tokens; mailbox app passwords; domain health checks.
-- Secrets are stored only as hashes: passwords as self-describing PBKDF2 strings, every random
-- token (session, API token, app password, reset/confirmation token, recovery code) as SHA-256,
-- because a 128+ bit random value needs no slow hash.

CREATE TABLE portal_users (
    tenant_id           bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    user_id             bigint      GENERATED ALWAYS AS IDENTITY,
    email               text        NOT NULL CHECK (email = lower(email)),
    display_name        text,
    role                text        NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'read_only')),
    password_hash       text,                                    -- null until an invited user sets one
    email_confirmed_at  timestamptz,
    totp_secret         bytea,                                   -- RFC 6238 shared key, set during enrolment
    totp_enabled        boolean     NOT NULL DEFAULT false,
    totp_last_step      bigint      NOT NULL DEFAULT 0,          -- replay guard: a code is accepted once
    failed_logins       integer     NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    CHECK (NOT totp_enabled OR totp_secret IS NOT NULL)
);
-- An email address signs in to exactly one tenant.
CREATE UNIQUE INDEX portal_users_email_key ON portal_users (email);

CREATE TABLE portal_recovery_codes (
    tenant_id   bigint      NOT NULL,
    user_id     bigint      NOT NULL,
    code_sha256 bytea       NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (tenant_id, user_id, code_sha256),
    FOREIGN KEY (tenant_id, user_id) REFERENCES portal_users ON DELETE CASCADE
);

CREATE TABLE portal_sessions (
    tenant_id     bigint      NOT NULL,
    session_id    bigint      GENERATED ALWAYS AS IDENTITY,
    user_id       bigint      NOT NULL,
    token_sha256  bytea       NOT NULL,
    csrf_token    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    remote_addr   inet,
    user_agent    text,
    PRIMARY KEY (tenant_id, session_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES portal_users ON DELETE CASCADE
);
CREATE UNIQUE INDEX portal_sessions_token_key ON portal_sessions (token_sha256);

-- Single-use tokens mailed to a user: email confirmation, password reset, invitation.
CREATE TABLE portal_user_tokens (
    tenant_id     bigint      NOT NULL,
    token_sha256  bytea       NOT NULL,
    user_id       bigint      NOT NULL,
    purpose       text        NOT NULL CHECK (purpose IN ('confirm_email', 'reset_password')),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    PRIMARY KEY (tenant_id, token_sha256),
    FOREIGN KEY (tenant_id, user_id) REFERENCES portal_users ON DELETE CASCADE
);
CREATE UNIQUE INDEX portal_user_tokens_hash_key ON portal_user_tokens (token_sha256);

CREATE TABLE api_tokens (
    tenant_id     bigint      NOT NULL,
    token_id      bigint      GENERATED ALWAYS AS IDENTITY,
    user_id       bigint      NOT NULL,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_sha256  bytea       NOT NULL,
    prefix        text        NOT NULL,                          -- first characters, to recognise a token in a list
    scopes        text[]      NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    PRIMARY KEY (tenant_id, token_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES portal_users ON DELETE CASCADE
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_sha256);

-- Per-mailbox passwords for mail clients (SMTP/IMAP/POP3), so the main password stays out of them.
CREATE TABLE app_passwords (
    tenant_id        bigint      NOT NULL,
    app_password_id  bigint      GENERATED ALWAYS AS IDENTITY,
    mailbox_id       bigint      NOT NULL,
    name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    password_sha256  bytea       NOT NULL,
    created_at       timestamptz NOT NULL,
    last_used_at     timestamptz,
    PRIMARY KEY (tenant_id, app_password_id),
    FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes ON DELETE CASCADE
);
CREATE UNIQUE INDEX app_passwords_lookup_key ON app_passwords (tenant_id, mailbox_id, password_sha256);

-- The background DNS checks of each domain: ownership until verified, then MX still pointing here.
CREATE TABLE domain_health (
    tenant_id          bigint      NOT NULL,
    domain_id          bigint      NOT NULL,
    next_check_at      timestamptz NOT NULL,
    failed_checks      integer     NOT NULL DEFAULT 0,
    last_checked_at    timestamptz,
    mx_status          text        CHECK (mx_status IN ('ok', 'missing', 'wrong')),
    mx_problem_since   timestamptz,                              -- set while MX does not point here
    PRIMARY KEY (tenant_id, domain_id),
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains ON DELETE CASCADE
);
CREATE INDEX domain_health_due_idx ON domain_health (next_check_at);
