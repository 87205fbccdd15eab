-- ASP.NET Data Protection keys shared by every node (issue 14): a cookie or token protected on
-- one node is unprotected on another. State of the cluster, not of a tenant: in its own schema
-- `cluster` (like Orleans' tables in `orleans`), exempt from the tenant_id rule. The
-- key material inside `xml` is encrypted by the node before it is stored (AES-256-GCM with
-- DataProtection:EncryptionKey, docs/operations.md); only the key's id and dates are readable.
CREATE SCHEMA IF NOT EXISTS cluster;

CREATE TABLE cluster.data_protection_keys (
    friendly_name text        PRIMARY KEY,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
