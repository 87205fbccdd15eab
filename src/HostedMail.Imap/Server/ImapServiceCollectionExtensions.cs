using HostedMail.Core.Security;
using HostedMail.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Imap.Server;

/// <summary>Composition of the IMAP server.</summary>
public static class ImapServiceCollectionExtensions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Imap";

    /// <summary>
    /// Registers the IMAP server from section <c>Imap</c> (<see cref="ImapServerOptions"/>) and the
    /// "imap" protocol binding, which serves the <c>Mail:Listeners</c> entries whose Protocol is
    /// "imap" (see <see cref="MailListenerHosting.BindMailListeners"/>). Needs <c>AddMailNet</c>, an
    /// <see cref="ICredentialVerifier"/> and the storage services.
    /// </summary>
    public static IServiceCollection AddImap(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new ImapServerOptions();
        configuration.GetSection(SectionName).Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(new ImapContentCache(options.ContentCacheBytes));
        services.AddSingleton<SharedFolderQueries>();
        services.AddHostedService<ExpungeHistoryPruner>();
        services.AddSingleton(new MailProtocolBinding("imap", (listen, listener) => listen.UseMailListener<ImapConnectionHandler>(listener)));
        return services;
    }
}
