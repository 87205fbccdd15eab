using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Tenants;
using HostedMail.Storage.Migrations;
using HostedMail.Storage.Stores;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.Storage;

/// <summary>Registers the PostgreSQL data source, the migration runner and the Core store implementations.</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddHostedMailStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(WithDefaults(connectionString)));
        services.AddSingleton<IMigrationSource, EmbeddedMigrationSource>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<ITenantStore, PostgresTenantStore>();
        services.AddSingleton<IDomainStore, PostgresDomainStore>();
        services.AddSingleton<IMailboxStore, PostgresMailboxStore>();
        services.AddSingleton<IAliasStore, PostgresAliasStore>();
        services.AddSingleton<IAuditLog, PostgresAuditLog>();
        services.AddSingleton<IMessageStore, PostgresMessageStore>();
        services.AddSingleton<IFolderStore, PostgresFolderStore>();
        services.AddSingleton<HostedMail.Core.Delivery.IRecipientLookup, PostgresRecipientLookup>();
        services.AddSingleton<HostedMail.Core.Delivery.IDomainDirectoryStore, PostgresDomainDirectoryStore>();
        services.AddImapStores();
        services.AddSingleton<IDkimKeyStore, PostgresDkimKeyStore>();
        services.AddSingleton<IServiceDkimKeyStore, PostgresServiceDkimKeyStore>();
        services.AddSingleton<HostedMail.Core.Accounts.IAccountStore, PostgresAccountStore>();
        services.AddSingleton<HostedMail.Core.ApiTokens.IApiTokenStore, PostgresApiTokenStore>();
        services.AddSingleton<HostedMail.Core.OAuth.ITenantOAuthClientStore, PostgresTenantOAuthClientStore>();
        services.AddSingleton<HostedMail.Core.OAuth.ITenantIdentityProviderStore, PostgresTenantIdentityProviderStore>();
        services.AddSingleton<HostedMail.Core.AppPasswords.IAppPasswordStore, PostgresAppPasswordStore>();
        services.AddSingleton<HostedMail.Core.Directory.ITenantDirectoryStore, PostgresTenantDirectoryStore>();
        services.AddSingleton<IDomainHealthStore, PostgresDomainHealthStore>();
        services.AddSingleton<HostedMail.Core.Security.IRateLimitStore, PostgresRateLimitStore>();
        services.AddSingleton<HostedMail.Core.Outbound.IOutboundQueue, PostgresOutboundQueue>();
        services.AddSingleton<HostedMail.Core.Outbound.IOutboundQueueAdmin, PostgresOutboundQueueAdmin>();
        services.AddSingleton<HostedMail.Core.Outbound.IMessageTracking, PostgresMessageTracking>();
        services.AddSingleton<HostedMail.Core.Billing.ISubscriptionStore, PostgresSubscriptionStore>();
        services.AddSingleton<HostedMail.Core.Billing.IBillingEventStore, PostgresBillingEventStore>();
        return services;
    }

    /// <summary>
    /// Auto-prepare the statements every message runs (recipient lookups, the store's batch):
    /// measured on the SMTP benchmark, parse and plan time was most of PostgreSQL's share.
    /// No reset when a connection goes back to the pool: the reset is three statements per use
    /// (~8 uses per IMAP command), and no code leaves session state behind. The one session-level
    /// advisory lock (migration runner) is unlocked explicitly, and a connection whose unlock failed
    /// is evicted.
    /// Generic plans: PostgreSQL otherwise re-plans prepared statements whose custom plans look
    /// cheaper (STORE, FETCH and EXPUNGE statements took 0.2-0.5 ms to plan, more than to run);
    /// every statement is written to plan well without its parameter values (no "@p IS NULL OR"
    /// filters: see Db.Filter). An explicit setting in the connection string wins.
    /// The Orleans ADO.NET providers share this data source and read their queries with an
    /// unqualified <c>SELECT ... FROM OrleansQuery</c>: <c>orleans</c> (migration 0070) is added to
    /// the search path after the schemas already on it, so our own tables still resolve first.
    /// </summary>
    internal static string WithDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        if (builder.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            builder.Options = (builder.Options + " -c plan_cache_mode=force_generic_plan").Trim();
        }

        builder.SearchPath = builder.SearchPath switch
        {
            null or "" => "\"$user\", public, orleans",
            var path when path.Split(',').Any(static s => s.Trim() == "orleans") => path,
            var path => path + ", orleans",
        };

        return builder.ConnectionString;
    }
}
