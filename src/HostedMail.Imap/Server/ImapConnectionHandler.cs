using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Net;
using Microsoft.Extensions.Logging;

namespace HostedMail.Imap.Server;

/// <summary>Kestrel connection handler for IMAP listeners: one <see cref="ImapSession"/> per connection.</summary>
public sealed class ImapConnectionHandler(
    MailNetServices net,
    IFolderStore folders,
    IImapStore store,
    IFolderChangeFeed feed,
    MailAuthenticator authenticator,
    ImapServerOptions options,
    ImapContentCache contentCache,
    SharedFolderQueries sharedQueries,
    ILoggerFactory loggerFactory) : MailConnectionHandler(net)
{
    private readonly ImapServices _services = new(folders, store, feed, authenticator, options, loggerFactory, contentCache, sharedQueries);

    protected override async Task RunSessionAsync(MailConnection connection)
    {
        ImapMetrics.Protocol.SessionStarted();
        try
        {
            await new ImapSession(connection, _services).RunAsync();
        }
        finally
        {
            ImapMetrics.Protocol.SessionEnded();
        }
    }

    protected override async ValueTask RejectAsync(MailConnection connection, ConnectionRejection rejection)
    {
        var text = rejection == ConnectionRejection.ShuttingDown ? "* BYE [UNAVAILABLE] Server shutting down\r\n" : "* BYE [UNAVAILABLE] Too many connections, try later\r\n";
        await connection.Output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text));
    }
}
