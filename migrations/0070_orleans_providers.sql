-- Every node is an Orleans silo (issue 14). Orleans' ADO.NET providers (clustering, reminders,
-- grain storage) read the SQL they run from a table named OrleansQuery, keyed by query name; they
-- bind parameters by name (@DeploymentId, @Address, ...) and read result columns by name
-- ("Version", "StartTime", ...). Everything here is written for that contract, in its own schema
-- (exempt from the tenant_id rule: it holds the cluster's state, not a tenant's). The node's
-- data source puts `orleans` on its search_path so the providers' unqualified
-- `SELECT QueryKey, QueryText FROM OrleansQuery` finds the table below; every query text names
-- its tables with the schema. Timestamps are timestamptz (the providers send UTC DateTimes).
CREATE SCHEMA IF NOT EXISTS orleans;

CREATE TABLE orleans.orleansquery (
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

-- Membership: one version row per cluster (deployment); every membership write bumps it with an
-- optimistic check, so concurrent writers are serialised by the version row's lock.
CREATE TABLE orleans.membership_version (
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orleans.membership (
    deployment_id   text        NOT NULL REFERENCES orleans.membership_version ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Inserts a silo's row if the cluster's version is still the one the caller read. The version
-- row is locked by the bump, so undoing the bump when the row already exists races nobody.
CREATE FUNCTION orleans.insert_membership(
    p_deployment_id text, p_version integer, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleans.membership_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = p_deployment_id AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO orleans.membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, coalesce(p_proxy_port, 0), p_start_time, p_i_am_alive_time)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        UPDATE orleans.membership_version SET version = version - 1 WHERE deployment_id = p_deployment_id;
        RETURN false;
    END IF;
    RETURN true;
END
$$;

-- Updates a silo's status and suspicions under the same optimistic version check.
CREATE FUNCTION orleans.update_membership(
    p_deployment_id text, p_version integer, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleans.membership_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = p_deployment_id AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE orleans.membership
    SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = greatest(i_am_alive_time, p_i_am_alive_time)
    WHERE deployment_id = p_deployment_id AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        UPDATE orleans.membership_version SET version = version - 1 WHERE deployment_id = p_deployment_id;
        RETURN false;
    END IF;
    RETURN true;
END
$$;

-- Reminders: one row per (grain, reminder name); grain_hash places it on the ring.
CREATE TABLE orleans.reminders (
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period        bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);
CREATE INDEX reminders_ring ON orleans.reminders (service_id, grain_hash);

-- Grain state (ADO.NET grain storage): one row per grain and state type, with an integer ETag.
CREATE TABLE orleans.grain_state (
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NOT NULL,
    grain_id_hash      integer     NOT NULL,
    grain_type_hash    integer     NOT NULL,
    payload            bytea,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

INSERT INTO orleans.orleansquery (querykey, querytext) VALUES
-- Clustering (Microsoft.Orleans.Clustering.AdoNet). A membership read always returns the
-- version row (joined to no silo when the table is empty): the provider takes the table
-- version from the first row and treats a row without "StartTime" as no silo.
('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO orleans.membership_version (deployment_id) VALUES (@DeploymentId) ON CONFLICT DO NOTHING RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted)
$q$),
('MembershipReadAllKey', $q$
SELECT v.deployment_id AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", v.version AS "Version"
FROM orleans.membership_version v
LEFT JOIN orleans.membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$q$),
('MembershipReadRowKey', $q$
SELECT v.deployment_id AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", v.version AS "Version"
FROM orleans.membership_version v
LEFT JOIN orleans.membership m ON m.deployment_id = v.deployment_id
    AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
$q$),
('InsertMembershipKey', $q$
SELECT orleans.insert_membership(@DeploymentId, @Version, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime)
$q$),
('UpdateMembershipKey', $q$
SELECT orleans.update_membership(@DeploymentId, @Version, @Address, @Port, @Generation, @Status, @SuspectTimes::text, @IAmAliveTime)
$q$),
-- A heartbeat touches only the silo's own row and never the version (it is no membership change).
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans.membership SET i_am_alive_time = greatest(i_am_alive_time, @IAmAliveTime)
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),
('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans.membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans.membership_version WHERE deployment_id = @DeploymentId
$q$),
-- 6 is SiloStatus.Dead: only dead silos' rows are ever removed.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans.membership
WHERE deployment_id = @DeploymentId AND status = 6 AND i_am_alive_time < @IAmAliveTime AND start_time < @IAmAliveTime
$q$),
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans.membership
WHERE deployment_id = @DeploymentId AND status = 6 AND address = @Address AND port = @Port AND generation = @Generation
  AND i_am_alive_time = @IAmAliveTime AND start_time = @StartTime AND suspect_times IS NOT DISTINCT FROM @SuspectTimes::text
$q$),
-- Reminders (Microsoft.Orleans.Reminders.AdoNet). Hashes arrive as signed integers; range 1 is
-- an ordinary interval of the ring, range 2 one that wraps past the end.
('ReadReminderRowsKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period", version AS "Version"
FROM orleans.reminders WHERE service_id = @ServiceId AND grain_id = @GrainId
$q$),
('ReadReminderRowKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period", version AS "Version"
FROM orleans.reminders WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$q$),
('ReadRangeRows1Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period", version AS "Version"
FROM orleans.reminders WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$q$),
('ReadRangeRows2Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period", version AS "Version"
FROM orleans.reminders WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),
('UpsertReminderRowKey', $q$
INSERT INTO orleans.reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash, version = orleans.reminders.version + 1
RETURNING version AS "Version"
$q$),
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans.reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM deleted)
$q$),
('DeleteReminderRowsKey', $q$
DELETE FROM orleans.reminders WHERE service_id = @ServiceId
$q$),
-- Grain storage (Microsoft.Orleans.Persistence.AdoNet). A grain is (type, N0, N1, string key or
-- key extension). A write or clear returns the new version, or NULL when the caller's version
-- is not the stored one (another activation wrote first): the provider then raises
-- InconsistentStateException rather than overwrite.
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans.grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString::text, '')
$q$),
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans.grain_state SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = coalesce(@GrainIdExtensionString::text, '') AND version = @GrainStateVersion::integer
    RETURNING version),
inserted AS (
    INSERT INTO orleans.grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, grain_id_hash, grain_type_hash, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString::text, ''), @GrainIdHash, @GrainTypeHash, @PayloadBinary, 1
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS "NewGrainStateVersion"
$q$),
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans.grain_state SET payload = NULL, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = coalesce(@GrainIdExtensionString::text, '') AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT (SELECT version FROM cleared) AS "NewGrainStateVersion"
$q$);
