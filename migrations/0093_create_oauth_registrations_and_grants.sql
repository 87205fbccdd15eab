-- Dynamic client registration (RFC 7591/7592), per-tenant approval of such clients, and the
-- ledger that ties each OAuth grant (an OpenIddict authorization and its tokens) to the tenant
-- and mailbox that gave it (docs/oauth.md). Schema `oauth`, written by HostedMail.Identity
-- (src/HostedMail.Identity/OAuth/OAuthRecordsDbContext.cs).

-- One row per registration, kept after the client is deleted (deleted_at): the operator's record
-- of who registered what from where. The registration access token is stored as its SHA-256.
CREATE TABLE oauth.client_registrations (
    client_id text NOT NULL,
    client_name text,
    redirect_uris text NOT NULL,
    software_id text,
    software_version text,
    registered_at timestamptz NOT NULL,
    registered_from text NOT NULL,
    user_agent text,
    registration_token_sha256 text NOT NULL,
    updated_at timestamptz,
    deleted_at timestamptz,
    CONSTRAINT pk_client_registrations PRIMARY KEY (client_id)
);

CREATE INDEX ix_client_registrations_registered_from ON oauth.client_registrations (registered_from, registered_at);

-- The tenant's OAuth settings; no row means the defaults.
CREATE TABLE oauth.tenant_settings (
    tenant_id bigint NOT NULL,
    require_client_approval boolean NOT NULL DEFAULT false,
    CONSTRAINT pk_tenant_settings PRIMARY KEY (tenant_id)
);

-- A dynamically registered client as one tenant sees it: pending (a user asked), approved, denied.
CREATE TABLE oauth.client_approvals (
    tenant_id bigint NOT NULL,
    client_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    requested_by text,
    requested_at timestamptz,
    decided_by text,
    decided_at timestamptz,
    CONSTRAINT pk_client_approvals PRIMARY KEY (tenant_id, client_id)
);

-- Which tenant and mailbox gave each authorization; deleted with it (the hourly pruner).
CREATE TABLE oauth.grants (
    authorization_id text NOT NULL,
    tenant_id bigint NOT NULL,
    mailbox_id bigint NOT NULL,
    address text NOT NULL,
    client_id text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_grants PRIMARY KEY (authorization_id),
    CONSTRAINT fk_grants_authorizations FOREIGN KEY (authorization_id) REFERENCES oauth.authorizations (id) ON DELETE CASCADE
);

CREATE INDEX ix_grants_tenant_id_mailbox_id ON oauth.grants (tenant_id, mailbox_id);
