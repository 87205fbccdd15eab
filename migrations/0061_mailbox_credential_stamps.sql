-- Revocation takes effect at once on every node (issue 18): a node caches a verified login
-- together with the mailbox's credential stamp and checks the stamp (one index lookup) before
-- trusting the cache again. The stamp moves with every change that revokes a credential, here in
-- the database so that every path (portal, CLI, a rehash) moves it: a new password hash, a
-- deleted app password. Disabled mailboxes, suspended tenants and deleted mailboxes have no
-- stamp at all (the lookup applies the login conditions).
ALTER TABLE mailboxes ADD COLUMN credential_stamp bigint NOT NULL DEFAULT 1;

CREATE FUNCTION mailboxes_bump_credential_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        NEW.credential_stamp := OLD.credential_stamp + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER mailboxes_credential_stamp BEFORE UPDATE OF password_hash ON mailboxes
    FOR EACH ROW EXECUTE FUNCTION mailboxes_bump_credential_stamp();

CREATE FUNCTION app_passwords_bump_credential_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailboxes SET credential_stamp = credential_stamp + 1
    WHERE tenant_id = OLD.tenant_id AND mailbox_id = OLD.mailbox_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER app_passwords_credential_stamp AFTER DELETE ON app_passwords
    FOR EACH ROW EXECUTE FUNCTION app_passwords_bump_credential_stamp();
