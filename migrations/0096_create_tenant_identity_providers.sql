-- Per-tenant sign-in federation (issue 15 item 6, docs/oauth.md "Single sign-on"): the tenant's
-- own OpenID Connect provider, one per tenant. protected_client_secret is sealed by the node's
-- Data Protection (keys in cluster.data_protection_keys, encrypted under DataProtection:EncryptionKey),
-- so a copy of this table alone does not give the secret away.
CREATE TABLE tenant_identity_providers (
    tenant_id               bigint      NOT NULL PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    display_name            text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    issuer                  text        NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
    client_id               text        NOT NULL CHECK (length(client_id) BETWEEN 1 AND 200),
    protected_client_secret text        NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
