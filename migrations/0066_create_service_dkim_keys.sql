-- The DKIM keys of the service's own sender domain (issue 18): portal mail (confirmations,
-- password resets, invitations, alerts) is signed like tenants' mail. The service domain belongs
-- to no tenant, so these rows live in their own schema, outside the tenant_id rule of public.
CREATE SCHEMA IF NOT EXISTS service;

CREATE TABLE service.dkim_keys (
    domain           text        NOT NULL CHECK (domain = lower(domain)),
    selector         text        NOT NULL CHECK (selector ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    private_key_pem  text        NOT NULL,
    active           boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (domain, selector)
);
