-- ASP.NET Data Protection keys shared by every node (issue 14): a cookie or token protected on
-- one node is unprotected on another. Node-wide like schema_migrations, so no tenant_id. The
-- key material inside `xml` is encrypted by the node before it is stored (AES-256-GCM with
-- DataProtection:EncryptionKey, docs/operations.md); only the key's id and dates are readable.
CREATE TABLE data_protection_keys (
    friendly_name text        PRIMARY KEY,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
