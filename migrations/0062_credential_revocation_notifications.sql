-- Sessions already open for a mailbox end when one of its credentials is revoked, on every node
-- (issue 18): every revocation sends the mailbox's address on the hostedmail_credentials channel.
-- NOTIFY is transactional, so a node hears it only once the change is committed. Kept in
-- triggers, like the credential stamp (0061), so every path that changes a credential notifies.
CREATE OR REPLACE FUNCTION mailboxes_bump_credential_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        NEW.credential_stamp := OLD.credential_stamp + 1;
        PERFORM pg_notify('hostedmail_credentials', NEW.address);
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION app_passwords_bump_credential_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    revoked text;
BEGIN
    UPDATE mailboxes SET credential_stamp = credential_stamp + 1
    WHERE tenant_id = OLD.tenant_id AND mailbox_id = OLD.mailbox_id
    RETURNING address INTO revoked;
    IF revoked IS NOT NULL THEN
        PERFORM pg_notify('hostedmail_credentials', revoked);
    END IF;
    RETURN OLD;
END
$$;

CREATE FUNCTION mailboxes_notify_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hostedmail_credentials', OLD.address);
    RETURN NULL;
END
$$;

CREATE TRIGGER mailboxes_disabled AFTER UPDATE OF state ON mailboxes
    FOR EACH ROW WHEN (NEW.state = 'disabled' AND OLD.state <> 'disabled') EXECUTE FUNCTION mailboxes_notify_revoked();

CREATE TRIGGER mailboxes_deleted AFTER DELETE ON mailboxes
    FOR EACH ROW EXECUTE FUNCTION mailboxes_notify_revoked();

CREATE FUNCTION tenants_notify_suspended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hostedmail_credentials', m.address) FROM mailboxes m WHERE m.tenant_id = NEW.tenant_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_suspended AFTER UPDATE OF state ON tenants
    FOR EACH ROW WHEN (NEW.state = 'suspended' AND OLD.state <> 'suspended') EXECUTE FUNCTION tenants_notify_suspended();
