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
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<IMigrationSource, EmbeddedMigrationSource>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<ITenantStore, PostgresTenantStore>();
        services.AddSingleton<IDomainStore, PostgresDomainStore>();
        services.AddSingleton<IMailboxStore, PostgresMailboxStore>();
        services.AddSingleton<IAliasStore, PostgresAliasStore>();
        services.AddSingleton<IAuditLog, PostgresAuditLog>();
        services.AddSingleton<IMessageStore, PostgresMessageStore>();
        services.AddSingleton<IFolderStore, PostgresFolderStore>();
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
}
