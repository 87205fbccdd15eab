using HostedMail.Core.Messages;
using HostedMail.Core.Security;
using HostedMail.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Pop3.Server;

/// <summary>Composition of the POP3 server.</summary>
public static class Pop3ServiceCollectionExtensions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Pop3";

    /// <summary>
    /// Registers the POP3 server from section <c>Pop3</c> (<see cref="Pop3ServerOptions"/>) and the
    /// "pop3" protocol binding, which serves the <c>Mail:Listeners</c> entries whose Protocol is
    /// "pop3" (see <see cref="MailListenerHosting.BindMailListeners"/>). Needs <c>AddMailNet</c>, an
    /// <see cref="ICredentialVerifier"/> and the storage services.
    /// </summary>
    public static IServiceCollection AddPop3(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new Pop3ServerOptions { Hostname = configuration["Mail:Hostname"] ?? "localhost" };
        configuration.GetSection(SectionName).Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new Pop3Services(
            options,
            sp.GetRequiredService<MailAuthenticator>(),
            sp.GetRequiredService<IFolderStore>(),
            sp.GetRequiredService<IMaildropLock>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("HostedMail.Pop3")));
        services.AddSingleton(new MailProtocolBinding("pop3", (listen, listener) => listen.UseMailListener<Pop3ConnectionHandler>(listener)));
        return services;
    }
}
