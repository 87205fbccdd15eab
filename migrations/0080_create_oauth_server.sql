-- The OAuth 2.0 authorization server (issue 15, docs/oauth.md): OpenIddict's applications,
-- authorizations, scopes and tokens, and the RSA keys every node signs access tokens and
-- encrypts codes and refresh tokens with. In their own schema `oauth`, exempt from the tenant_id
-- rule like `cluster` and `orleans`: a client application serves every tenant, and a token's
-- subject is a mailbox address (global, like a login). The shapes are what OpenIddict's EF Core
-- model expects (src/HostedMail.Identity/OAuth/OAuthDbContext.cs names them in snake_case); the
-- node never runs EF migrations. signing_keys.protected_private_key is sealed by the node's Data
-- Protection (keys in cluster.data_protection_keys, encrypted under DataProtection:EncryptionKey).
CREATE SCHEMA IF NOT EXISTS oauth;
CREATE TABLE oauth.applications (
    id text NOT NULL,
    application_type character varying(50),
    client_id character varying(100),
    client_secret text,
    client_type character varying(50),
    concurrency_token character varying(50),
    consent_type character varying(50),
    display_name text,
    display_names text,
    json_web_key_set text,
    permissions text,
    post_logout_redirect_uris text,
    properties text,
    redirect_uris text,
    requirements text,
    settings text,
    CONSTRAINT pk_applications PRIMARY KEY (id)
);

CREATE TABLE oauth.scopes (
    id text NOT NULL,
    concurrency_token character varying(50),
    description text,
    descriptions text,
    display_name text,
    display_names text,
    name character varying(200),
    properties text,
    resources text,
    CONSTRAINT pk_scopes PRIMARY KEY (id)
);

CREATE TABLE oauth.signing_keys (
    key_id text NOT NULL,
    purpose text NOT NULL,
    generation bigint NOT NULL,
    protected_private_key text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_signing_keys PRIMARY KEY (key_id)
);

CREATE TABLE oauth.authorizations (
    id text NOT NULL,
    application_id text,
    concurrency_token character varying(50),
    creation_date timestamptz,
    properties text,
    scopes text,
    status character varying(50),
    subject character varying(400),
    type character varying(50),
    CONSTRAINT pk_authorizations PRIMARY KEY (id),
    CONSTRAINT fk_authorizations_applications_application_id FOREIGN KEY (application_id) REFERENCES oauth.applications (id)
);

CREATE TABLE oauth.tokens (
    id text NOT NULL,
    application_id text,
    authorization_id text,
    concurrency_token character varying(50),
    creation_date timestamptz,
    expiration_date timestamptz,
    payload text,
    properties text,
    redemption_date timestamptz,
    reference_id character varying(100),
    status character varying(50),
    subject character varying(400),
    type character varying(150),
    CONSTRAINT pk_tokens PRIMARY KEY (id),
    CONSTRAINT fk_tokens_applications_application_id FOREIGN KEY (application_id) REFERENCES oauth.applications (id),
    CONSTRAINT fk_tokens_authorizations_authorization_id FOREIGN KEY (authorization_id) REFERENCES oauth.authorizations (id)
);

CREATE UNIQUE INDEX ix_applications_client_id ON oauth.applications (client_id);

CREATE INDEX ix_authorizations_application_id_status_subject_type ON oauth.authorizations (application_id, status, subject, type);

CREATE UNIQUE INDEX ix_scopes_name ON oauth.scopes (name);

CREATE UNIQUE INDEX ix_signing_keys_purpose_generation ON oauth.signing_keys (purpose, generation);

CREATE INDEX ix_tokens_application_id_status_subject_type ON oauth.tokens (application_id, status, subject, type);

CREATE INDEX ix_tokens_authorization_id ON oauth.tokens (authorization_id);

CREATE UNIQUE INDEX ix_tokens_reference_id ON oauth.tokens (reference_id);

