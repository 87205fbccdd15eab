using HostedMail.Core.Imap;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Storage.Stores;

/// <summary>Registers the IMAP stores (called from <see cref="StorageServiceCollectionExtensions.AddHostedMailStorage"/>).</summary>
internal static class ImapStorageRegistration
{
    public static IServiceCollection AddImapStores(this IServiceCollection services)
    {
        services.AddSingleton<IImapStore, PostgresImapStore>();
        services.AddSingleton<PostgresFolderChangeFeed>();
        services.AddSingleton<PostgresFolderNotifier>();
        services.AddSingleton<IFolderChangeFeed>(sp => sp.GetRequiredService<PostgresFolderChangeFeed>());
        return services;
    }
}
