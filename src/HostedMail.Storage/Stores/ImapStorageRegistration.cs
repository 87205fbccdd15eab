using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Storage.Stores;

/// <summary>Registers the IMAP stores (called from <see cref="StorageServiceCollectionExtensions.AddHostedMailStorage"/>).</summary>
internal static class ImapStorageRegistration
{
    public static IServiceCollection AddImapStores(this IServiceCollection services)
    {
        services.TryAddSingleton(new ImapStoreOptions());
        services.AddSingleton<IImapStore, PostgresImapStore>();
        // The folder change feed and notifier are the grain layer's (HostedMail.Grains); a process
        // without a silo (the CLI) tells no one, and sessions elsewhere catch up at their poll.
        services.TryAddSingleton<IFolderChangeNotifier, NoFolderChangeNotifier>();
        return services;
    }
}

/// <summary>The notifier of a process that hosts no silo and serves no sessions (operator commands).</summary>
internal sealed class NoFolderChangeNotifier : IFolderChangeNotifier
{
    public void Changed(long tenantId, long mailboxId, long folderId, long modSeq)
    {
    }
}
