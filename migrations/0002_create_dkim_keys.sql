-- DKIM signing keys per domain (RFC 6376). A domain may hold several selectors so keys can be
-- rotated: the newest active key signs, older ones stay published until retired.
CREATE TABLE dkim_keys (
    tenant_id        bigint      NOT NULL,
    domain_id        bigint      NOT NULL,
    selector         text        NOT NULL CHECK (selector ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    private_key_pem  text        NOT NULL,
    active           boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, domain_id, selector),
    FOREIGN KEY (tenant_id, domain_id) REFERENCES domains ON DELETE CASCADE
);
