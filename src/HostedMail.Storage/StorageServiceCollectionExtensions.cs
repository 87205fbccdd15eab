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
        services.AddImapStores();
        services.AddSingleton<IDkimKeyStore, PostgresDkimKeyStore>();
        services.AddSingleton<HostedMail.Core.Accounts.IAccountStore, PostgresAccountStore>();
        services.AddSingleton<HostedMail.Core.ApiTokens.IApiTokenStore, PostgresApiTokenStore>();
        services.AddSingleton<HostedMail.Core.AppPasswords.IAppPasswordStore, PostgresAppPasswordStore>();
        services.AddSingleton<HostedMail.Core.Directory.ITenantDirectoryStore, PostgresTenantDirectoryStore>();
        services.AddSingleton<IDomainHealthStore, PostgresDomainHealthStore>();
        services.AddSingleton<IMaildropLock, PostgresMaildropLock>();
        services.AddSingleton<HostedMail.Core.Outbound.IOutboundQueue, PostgresOutboundQueue>();
        return services;
    }

    /// <summary>
    /// Auto-prepare the statements every message runs (recipient lookups, the store's batch):
    /// measured on the SMTP benchmark, parse and plan time was most of PostgreSQL's share. Npgsql
    /// keeps prepared statements across pooled use with a reset that still releases advisory locks
    /// and LISTENs. An explicit setting in the connection string wins.
    /// </summary>
    internal static string WithDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }
}
