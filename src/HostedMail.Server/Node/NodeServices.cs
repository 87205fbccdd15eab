using HostedMail.Billing;
using HostedMail.Core.Aliases;
using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Grains.Domains;
using HostedMail.Grains.Tenants;
using HostedMail.Identity;
using HostedMail.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Node;

/// <summary>The composition shared by <c>serve</c> and the operator commands.</summary>
internal static class NodeServices
{
    public static IServiceCollection AddHostedMailCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new ImapStoreOptions { DurableFlagChanges = configuration.GetValue("Imap:DurableFlagChanges", true) });
        services.AddHostedMailStorage(configuration.ConnectionString());
        var iterations = configuration.GetValue("Security:PasswordHashIterations", Pbkdf2PasswordHasher.DefaultIterations);
        services.AddSingleton<IPasswordHasher>(new Pbkdf2PasswordHasher(iterations));
        services.AddSingleton(HostedMail.Portal.PortalOptions.FromConfiguration(configuration).Plans);
        services.AddSingleton<TenantOperations>();
        services.AddSingleton<TenantService>();
        services.AddSingleton<DomainService>();
        // Its writes after the addition: run by the domain's grain, or here when no node runs (operator commands).
        services.AddDomainOperations();
        services.AddSingleton<MailboxService>();
        // Mailbox logins (the OAuth sign-in page too, not only the mail listeners).
        services.AddMailboxSignIn();
        services.AddSingleton<AliasService>();
        services.AddSingleton<DkimKeyService>();
        services.AddServiceMail(configuration);
        services.AddSingleton<RecipientResolver>();
        services.AddSingleton(TimeProvider.System);
        // Operator commands too: mailbox changes keep seats in step, and `hostedmail billing` needs it (the node's worker comes with the portal).
        services.AddBilling(configuration, runWorker: false);
        // Every directory write tells the tenant and domain grains (RCPT answers from their memory).
        services.AddDirectoryChangeNotifications();
        return services;
    }
}
