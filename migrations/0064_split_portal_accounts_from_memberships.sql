-- One identity model (issue 18 item 8).
--
-- Tenants get a display name beside their name; new names are short slugs (Core TenantName);
-- names created before the rule stay as they are.
--
-- A person has one portal account (an email address with one password, one TOTP secret, one
-- lockout counter, one set of recovery codes) and a membership (a portal_users row: role, display
-- name, confirmation) in each tenant they administer. A membership starts unconfirmed and is
-- confirmed by the mailed link (sign-up, invitation of an existing account) or by choosing a
-- password through the invitation link. portal_accounts is a global lookup like verified domain
-- names: it has no tenant_id, and nothing in it names a tenant.

ALTER TABLE tenants ADD COLUMN display_name text CHECK (length(display_name) BETWEEN 1 AND 100);

CREATE TABLE portal_accounts (
    account_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL CHECK (email = lower(email)),
    password_hash   text,                                    -- null until an invited person sets one
    totp_secret     bytea,
    totp_enabled    boolean     NOT NULL DEFAULT false,
    totp_last_step  bigint      NOT NULL DEFAULT 0,
    failed_logins   integer     NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT totp_enabled OR totp_secret IS NOT NULL)
);
CREATE UNIQUE INDEX portal_accounts_email_key ON portal_accounts (email);

-- Until now an address had exactly one portal_users row, so every row becomes an account.
INSERT INTO portal_accounts (email, password_hash, totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, created_at)
SELECT email, password_hash, totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, created_at FROM portal_users;

ALTER TABLE portal_users ADD COLUMN account_id bigint REFERENCES portal_accounts;
UPDATE portal_users u SET account_id = a.account_id FROM portal_accounts a WHERE a.email = u.email;
ALTER TABLE portal_users ALTER COLUMN account_id SET NOT NULL;
CREATE UNIQUE INDEX portal_users_account_key ON portal_users (tenant_id, account_id);
CREATE INDEX portal_users_account_idx ON portal_users (account_id);

CREATE TABLE portal_account_recovery_codes (
    account_id  bigint      NOT NULL REFERENCES portal_accounts ON DELETE CASCADE,
    code_sha256 bytea       NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (account_id, code_sha256)
);
INSERT INTO portal_account_recovery_codes (account_id, code_sha256, used_at)
SELECT u.account_id, c.code_sha256, c.used_at FROM portal_recovery_codes c JOIN portal_users u USING (tenant_id, user_id)
ON CONFLICT DO NOTHING;
DROP TABLE portal_recovery_codes;

ALTER TABLE portal_users
    DROP COLUMN password_hash,
    DROP COLUMN totp_secret,
    DROP COLUMN totp_enabled,
    DROP COLUMN totp_last_step,
    DROP COLUMN failed_logins,
    DROP COLUMN locked_until;
DROP INDEX portal_users_email_key;
ALTER TABLE portal_users DROP COLUMN email;
