-- Per-tenant confidential OAuth clients (issue 15 item 3, docs/api.md "OAuth clients"): which
-- tenant owns which client of the authorization server, and the portal role its tokens act with.
-- The client itself (id, hashed secret, permissions) is OpenIddict's row in oauth.applications;
-- this table is the tenant's side, so every lookup from the portal filters by tenant_id. A client
-- without a row here (its tenant deleted) gets no token.
CREATE TABLE tenant_oauth_clients (
    tenant_id   bigint      NOT NULL REFERENCES tenants ON DELETE CASCADE,
    client_id   text        NOT NULL PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role        text        NOT NULL CHECK (role IN ('admin', 'billing', 'read_only')),
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL
);

CREATE INDEX tenant_oauth_clients_tenant_idx ON tenant_oauth_clients (tenant_id, created_at);
