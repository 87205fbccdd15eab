using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using Npgsql;

namespace HostedMail.Storage.Stores;

// Implementation notes: ApplyAsync locks the tenant's row (SELECT ... FOR UPDATE) and decides
// there, so two nodes applying events for one tenant at once serialize and the newer state wins.
internal sealed class PostgresSubscriptionStore(NpgsqlDataSource dataSource) : ISubscriptionStore
{
    private const string Columns = """
        tenant_id, customer_id, subscription_id, plan, status, billing_interval, seats, subscription_item_id,
        current_period_end, trial_end, cancel_at_period_end, past_due_since, state_at, dunning_phase
        """;

    public async Task<TenantSubscription> GetAsync(long tenantId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM billing_subscriptions WHERE tenant_id = @tenant_id", Map, cancellationToken, ("tenant_id", tenantId)))
            .FirstOrDefault() ?? TenantSubscription.None(tenantId);

    public async Task<long?> FindTenantByCustomerAsync(string customerId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, "SELECT tenant_id FROM billing_subscriptions WHERE customer_id = @customer_id", r => (long?)r.GetInt64(0), cancellationToken,
            ("customer_id", customerId))).FirstOrDefault();

    public async Task<string> SetCustomerIdAsync(long tenantId, string customerId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, "INSERT INTO billing_subscriptions (tenant_id) VALUES (@tenant_id) ON CONFLICT (tenant_id) DO NOTHING", cancellationToken, ("tenant_id", tenantId));
        var set = await Db.QueryAsync(connection, transaction, """
            UPDATE billing_subscriptions SET customer_id = @customer_id, updated_at = now()
            WHERE tenant_id = @tenant_id AND customer_id IS NULL RETURNING customer_id
            """, r => r.GetString(0), cancellationToken, ("tenant_id", tenantId), ("customer_id", customerId));
        if (set.Count == 1)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return customerId;
        }

        var held = (await Db.QueryAsync(connection, transaction, "SELECT customer_id FROM billing_subscriptions WHERE tenant_id = @tenant_id", r => r.GetString(0), cancellationToken,
            ("tenant_id", tenantId)))[0];
        await transaction.CommitAsync(cancellationToken);
        return held;
    }

    public async Task<SubscriptionChange> ApplyAsync(long tenantId, SubscriptionUpdate update, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, "INSERT INTO billing_subscriptions (tenant_id) VALUES (@tenant_id) ON CONFLICT (tenant_id) DO NOTHING", cancellationToken, ("tenant_id", tenantId));
        var before = (await Db.QueryAsync(connection, transaction, $"SELECT {Columns} FROM billing_subscriptions WHERE tenant_id = @tenant_id FOR UPDATE", Map, cancellationToken,
            ("tenant_id", tenantId)))[0];
        var older = !update.Fetched && before.StateAt > update.StateAt;
        // A canceled subscription stays canceled: Stripe starts a new subscription (new id) instead.
        var revives = before.SubscriptionId == update.SubscriptionId && SubscriptionStatus.IsTerminal(before.Status) && !SubscriptionStatus.IsTerminal(update.Status);
        // The end of an earlier subscription never replaces a live later one.
        var endsOther = before.SubscriptionId is not null && before.SubscriptionId != update.SubscriptionId
            && !SubscriptionStatus.IsTerminal(before.Status) && before.Status != SubscriptionStatus.None && SubscriptionStatus.IsTerminal(update.Status);
        if (older || revives || endsOther)
        {
            await transaction.CommitAsync(cancellationToken);
            return new SubscriptionChange(false, before, before);
        }

        var pastDueSince = update.Status == SubscriptionStatus.PastDue ? before.PastDueSince ?? now : (DateTimeOffset?)null;
        var after = (await Db.QueryAsync(connection, transaction, $"""
            UPDATE billing_subscriptions SET customer_id = coalesce(customer_id, @customer_id), subscription_id = @subscription_id, plan = @plan, status = @status,
                billing_interval = @interval, seats = @seats, subscription_item_id = @item, current_period_end = @period_end, trial_end = @trial_end,
                cancel_at_period_end = @cancel, past_due_since = @past_due_since, state_at = @state_at,
                dunning_phase = CASE WHEN @past_due_since::timestamptz IS NULL THEN 'none' ELSE dunning_phase END, updated_at = now()
            WHERE tenant_id = @tenant_id RETURNING {Columns}
            """, Map, cancellationToken,
            ("tenant_id", tenantId), ("customer_id", update.CustomerId), ("subscription_id", update.SubscriptionId), ("plan", update.Plan), ("status", update.Status),
            ("interval", update.Interval), ("seats", update.Seats), ("item", update.SubscriptionItemId), ("period_end", update.CurrentPeriodEnd),
            ("trial_end", update.TrialEnd), ("cancel", update.CancelAtPeriodEnd), ("past_due_since", pastDueSince), ("state_at", update.StateAt > before.StateAt ? update.StateAt : before.StateAt)))[0];
        if (before.Status != after.Status || before.Plan != after.Plan || before.SubscriptionId != after.SubscriptionId)
        {
            await Db.InsertAuditAsync(connection, transaction, new AuditEntry(tenantId, new Actor("stripe"), "billing.subscription", update.SubscriptionId, new Dictionary<string, string>
            {
                ["from_status"] = before.Status,
                ["to_status"] = after.Status,
                ["from_plan"] = before.Plan,
                ["to_plan"] = after.Plan,
            }), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new SubscriptionChange(true, before, after);
    }

    public async Task<bool> AdvanceDunningAsync(long tenantId, DunningPhase from, DunningPhase to, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = await Db.QueryAsync(connection, transaction, """
            UPDATE billing_subscriptions SET dunning_phase = @to, updated_at = now()
            WHERE tenant_id = @tenant_id AND dunning_phase = @from RETURNING tenant_id
            """, r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("from", PhaseName(from)), ("to", PhaseName(to)));
        if (moved.Count == 0)
        {
            return false;
        }

        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<TenantSubscription>> ListInDunningAsync(CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM billing_subscriptions WHERE status = 'past_due' OR dunning_phase <> 'none' ORDER BY tenant_id", Map, cancellationToken);

    public async Task SetSeatsAsync(long tenantId, int seats, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, "UPDATE billing_subscriptions SET seats = @seats, updated_at = now() WHERE tenant_id = @tenant_id", cancellationToken,
            ("tenant_id", tenantId), ("seats", seats));
    }

    internal static string PhaseName(DunningPhase phase) => phase switch
    {
        DunningPhase.Grace => "grace",
        DunningPhase.SendingBlocked => "sending_blocked",
        DunningPhase.ReadOnly => "read_only",
        _ => "none",
    };

    private static DunningPhase ParsePhase(string text) => text switch
    {
        "grace" => DunningPhase.Grace,
        "sending_blocked" => DunningPhase.SendingBlocked,
        "read_only" => DunningPhase.ReadOnly,
        _ => DunningPhase.None,
    };

    private static TenantSubscription Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), Db.NullableString(r, 1), Db.NullableString(r, 2), r.GetString(3), r.GetString(4), Db.NullableString(r, 5), r.GetInt32(6),
        Db.NullableString(r, 7), Db.Nullable<DateTimeOffset>(r, 8), Db.Nullable<DateTimeOffset>(r, 9), r.GetBoolean(10), Db.Nullable<DateTimeOffset>(r, 11),
        Db.Nullable<DateTimeOffset>(r, 12) ?? DateTimeOffset.MinValue, ParsePhase(r.GetString(13)));
}

internal sealed class PostgresBillingEventStore(NpgsqlDataSource dataSource) : IBillingEventStore
{
    private const string Columns = "event_id, event_type, api_version, created_at, received_at, payload, status, tenant_id, detail";

    public async Task<bool> TryClaimAsync(string eventId, string type, string? apiVersion, DateTimeOffset createdAt, string payload, CancellationToken cancellationToken)
    {
        // The primary key decides between nodes: only the INSERT that wrote the row, or the UPDATE that took a failed one, applies it.
        var inserted = await Db.QueryAsync(dataSource, """
            INSERT INTO billing_events (event_id, event_type, api_version, created_at, payload, status)
            VALUES (@event_id, @type, @api_version, @created_at, @payload, 'applying')
            ON CONFLICT (event_id) DO NOTHING RETURNING event_id
            """, r => r.GetString(0), cancellationToken, ("event_id", eventId), ("type", type), ("api_version", apiVersion), ("created_at", createdAt), ("payload", payload));
        if (inserted.Count == 1)
        {
            return true;
        }

        var retried = await Db.QueryAsync(dataSource, "UPDATE billing_events SET status = 'applying' WHERE event_id = @event_id AND status = 'failed' RETURNING event_id",
            r => r.GetString(0), cancellationToken, ("event_id", eventId));
        return retried.Count == 1;
    }

    public async Task<bool> ClaimForReplayAsync(string eventId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, "UPDATE billing_events SET status = 'applying' WHERE event_id = @event_id AND status <> 'applying' RETURNING event_id",
            r => r.GetString(0), cancellationToken, ("event_id", eventId))).Count == 1;

    public async Task FinishAsync(string eventId, string status, long? tenantId, string? detail, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, """
            UPDATE billing_events SET status = @status, tenant_id = coalesce(@tenant_id, tenant_id), detail = @detail, applied_at = @at WHERE event_id = @event_id
            """, cancellationToken, ("event_id", eventId), ("status", status), ("tenant_id", tenantId), ("detail", detail), ("at", at));
    }

    public async Task<BillingEvent?> GetAsync(string eventId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM billing_events WHERE event_id = @event_id", Map, cancellationToken, ("event_id", eventId))).FirstOrDefault();

    public async Task<IReadOnlyList<BillingEvent>> ListAsync(long? tenantId, int limit, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT {Columns} FROM billing_events WHERE {Db.Filter(tenantId is not null, "tenant_id = @tenant_id")} ORDER BY received_at DESC, event_id LIMIT @limit
            """, Map, cancellationToken, ("tenant_id", tenantId), ("limit", Math.Clamp(limit, 1, 1000)));

    private static BillingEvent Map(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), Db.NullableString(r, 2), r.GetFieldValue<DateTimeOffset>(3), r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.GetString(6),
        Db.Nullable<long>(r, 7), Db.NullableString(r, 8));
}
