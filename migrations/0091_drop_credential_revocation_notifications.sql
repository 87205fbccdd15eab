-- Credential revocations reach the nodes through the mailboxes' and tenants' grains (issue 14:
-- LISTEN/NOTIFY is gone): the writer tells the grain after its commit, the grain tells every node
-- watching it. The notifying triggers of 0062 go; the credential stamp (0061) stays, with its
-- functions as 0061 wrote them (they move the stamp and notify no one).
DROP TRIGGER IF EXISTS mailboxes_disabled ON mailboxes;
DROP TRIGGER IF EXISTS mailboxes_deleted ON mailboxes;
DROP TRIGGER IF EXISTS tenants_suspended ON tenants;
DROP FUNCTION IF EXISTS mailboxes_notify_revoked();
DROP FUNCTION IF EXISTS tenants_notify_suspended();

CREATE OR REPLACE FUNCTION mailboxes_bump_credential_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        NEW.credential_stamp := OLD.credential_stamp + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION app_passwords_bump_credential_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailboxes SET credential_stamp = credential_stamp + 1
    WHERE tenant_id = OLD.tenant_id AND mailbox_id = OLD.mailbox_id;
    RETURN OLD;
END
$$;
