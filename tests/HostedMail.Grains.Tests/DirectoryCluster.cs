using HostedMail.Core.Aliases;
using HostedMail.Core.Billing;
using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Outbound;
using HostedMail.Core.Plans;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Grains.Domains;
using HostedMail.Grains.Tenants;
using HostedMail.Identity;
using HostedMail.Storage;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace HostedMail.Grains.Tests;

/// <summary>Counts directory loads on every silo: the proof that RCPT costs no query.</summary>
public sealed class CountingDomainDirectoryStore(IDomainDirectoryStore inner) : IDomainDirectoryStore
{
    private static int _loads;

    public static int Loads => Volatile.Read(ref _loads);

    public static void Reset() => Interlocked.Exchange(ref _loads, 0);

    public Task<DomainDirectory?> LoadAsync(string domain, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _loads);
        return inner.LoadAsync(domain, cancellationToken);
    }

    public Task<IReadOnlyDictionary<long, long>> LoadUsageAsync(long tenantId, long domainId, CancellationToken cancellationToken) =>
        inner.LoadUsageAsync(tenantId, domainId, cancellationToken);
}

/// <summary>Counts subscription reads on every silo: the proof that the billing standing at MAIL FROM costs no query.</summary>
public sealed class CountingSubscriptionStore(ISubscriptionStore inner) : ISubscriptionStore
{
    private static int _reads;

    public static int Reads => Volatile.Read(ref _reads);

    public Task<TenantSubscription> GetAsync(long tenantId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return inner.GetAsync(tenantId, cancellationToken);
    }

    public Task<long?> FindTenantByCustomerAsync(string customerId, CancellationToken cancellationToken) => inner.FindTenantByCustomerAsync(customerId, cancellationToken);

    public Task<string> SetCustomerIdAsync(long tenantId, string customerId, Core.Audit.AuditEntry audit, CancellationToken cancellationToken) =>
        inner.SetCustomerIdAsync(tenantId, customerId, audit, cancellationToken);

    public Task<SubscriptionChange> ApplyAsync(long tenantId, SubscriptionUpdate update, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ApplyAsync(tenantId, update, now, cancellationToken);

    public Task<bool> AdvanceDunningAsync(long tenantId, DunningPhase from, DunningPhase to, Core.Audit.AuditEntry audit, CancellationToken cancellationToken) =>
        inner.AdvanceDunningAsync(tenantId, from, to, audit, cancellationToken);

    public Task<IReadOnlyList<TenantSubscription>> ListInDunningAsync(CancellationToken cancellationToken) => inner.ListInDunningAsync(cancellationToken);

    public Task SetSeatsAsync(long tenantId, int seats, CancellationToken cancellationToken) => inner.SetSeatsAsync(tenantId, seats, cancellationToken);
}

/// <summary>
/// A test cluster whose silos run the node's directory services over the real stores: Core
/// services, the store decorators that notify the grains, and a small plan to hit limits with.
/// </summary>
public static class DirectoryCluster
{
    public static PlanCatalog Plans { get; } = new(new Dictionary<string, PlanLimits>(StringComparer.OrdinalIgnoreCase)
    {
        ["tiny"] = new("tiny", 2, 3, 2, 10L << 30, 5),
        ["big"] = new("big", 20, 500, 500, 500L << 30, 1000),
    });

    public static Task<InProcessTestCluster> StartAsync(TestDatabase database, short silos, SendingLimitOptions? sending = null, bool domainChecks = false, TimeSpan? usageRefresh = null) =>
        PostgresCluster.StartAsync(database, silos, configure: services =>
        {
            services.AddSingleton(new DomainCheckOptions { Enabled = domainChecks, Period = TimeSpan.FromSeconds(1) });
            // Usage refreshes are tested on their own; here every directory query is a load.
            services.AddSingleton(new DomainDirectoryOptions { UsageRefresh = usageRefresh ?? TimeSpan.FromHours(1) });
            services.AddSingleton<RecordingCheckRunner>();
            services.AddSingleton<IDomainCheckRunner>(sp => sp.GetRequiredService<RecordingCheckRunner>());
            services.AddHostedMailStorage(database.ConnectionString);
            services.AddSingleton<IPasswordHasher>(new Pbkdf2PasswordHasher(1000));
            services.AddSingleton(Plans);
            services.AddSingleton(sending ?? new SendingLimitOptions());
            services.AddSingleton<TenantOperations>();
            services.AddSingleton<TenantService>();
            services.AddSingleton<DomainService>();
            services.AddSingleton<MailboxService>();
            services.AddMailboxSignIn();
            services.AddSingleton<AliasService>();
            services.AddSingleton<RecipientResolver>();
            services.AddSingleton<SendingLimiter>();
            var original = services.Last(d => d.ServiceType == typeof(IDomainDirectoryStore));
            services.Remove(original);
            services.AddSingleton<IDomainDirectoryStore>(sp => new CountingDomainDirectoryStore(
                (IDomainDirectoryStore)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
            var subscriptions = services.Last(d => d.ServiceType == typeof(ISubscriptionStore));
            services.Remove(subscriptions);
            services.AddSingleton<ISubscriptionStore>(sp => new CountingSubscriptionStore(
                (ISubscriptionStore)ActivatorUtilities.CreateInstance(sp, subscriptions.ImplementationType!)));
            services.AddSingleton(new DunningOptions());
            services.AddSingleton<BillingStanding>();
            services.AddSingleton<ISubmissionPolicy>(sp => sp.GetRequiredService<BillingStanding>());
            services.AddDirectoryChangeNotifications();
        });

    public static T Service<T>(this InProcessTestCluster cluster, int silo) where T : notnull =>
        cluster.Silos[silo % cluster.Silos.Count].ServiceProvider.GetRequiredService<T>();
}

/// <summary>
/// Stands in for the portal's DNS checks: records every run (across silos: one static log) and,
/// as the real check does when the ownership record appears, verifies a pending domain through
/// the writes the grain gives (in its reminder's turn).
/// </summary>
public sealed class RecordingCheckRunner(DomainService domains) : IDomainCheckRunner
{
    private static readonly List<(string Name, DateTimeOffset At)> Log = [];

    public static IReadOnlyList<(string Name, DateTimeOffset At)> Runs(string name)
    {
        lock (Log)
        {
            return Log.Where(r => r.Name == name).ToList();
        }
    }

    public async Task<DomainCheckRun> RunDueAsync(string name, IDomainOperations domain, CancellationToken cancellationToken)
    {
        lock (Log)
        {
            Log.Add((name, DateTimeOffset.UtcNow));
        }

        var all = await domains.FindAllAsync(name, cancellationToken);
        foreach (var pending in all.Where(d => d.State == DomainState.Pending))
        {
            await domain.VerifyAsync(pending.TenantId, name, new Core.Audit.Actor("system:test-check"), operatorOverride: true, cancellationToken);
        }

        return new DomainCheckRun(all.Count > 0, all.Count);
    }
}
