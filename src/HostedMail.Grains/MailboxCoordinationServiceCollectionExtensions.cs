using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Outbound;
using HostedMail.Grains.Mailboxes;
using HostedMail.Grains.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Grains;

/// <summary>
/// The Core services that coordinate sessions across nodes through grains: the POP3 maildrop lock,
/// the folder change hub and the credential revocations (MailboxGrain, TenantGrain), and outbound
/// slots per destination.
/// </summary>
public static class MailboxCoordinationServiceCollectionExtensions
{
    public static IServiceCollection AddMailboxCoordination(this IServiceCollection services, MailboxCoordinationOptions? options = null)
    {
        services.TryAddSingleton(options ?? new MailboxCoordinationOptions());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMaildropLock, GrainMaildropLock>();
        services.AddSingleton<FolderChangeWatcher>();
        // Replace Storage's no-op notifier (for processes without a silo) whichever is added first.
        services.Replace(ServiceDescriptor.Singleton<IFolderChangeNotifier>(sp => sp.GetRequiredService<FolderChangeWatcher>()));
        services.AddSingleton<IFolderChangeFeed>(sp => sp.GetRequiredService<FolderChangeWatcher>());
        services.AddSingleton<CredentialWatcher>();
        services.AddSingleton<ICredentialRevocationFeed>(sp => sp.GetRequiredService<CredentialWatcher>());
        services.AddSingleton<IDestinationLimiter, GrainDestinationLimiter>();
        return services;
    }
}
