using HostedMail.Net;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Server;

/// <summary>Runs one <see cref="Pop3Session"/> per connection on a POP3 or POP3S listener.</summary>
internal sealed class Pop3ConnectionHandler(MailNetServices net, Pop3Services services) : MailConnectionHandler(net)
{
    protected override async Task RunSessionAsync(MailConnection connection)
    {
        Pop3Metrics.Protocol.SessionStarted();
        try
        {
            await new Pop3Session(connection, services).RunAsync();
        }
        finally
        {
            Pop3Metrics.Protocol.SessionEnded();
        }
    }

    protected override async ValueTask RejectAsync(MailConnection connection, ConnectionRejection rejection)
    {
        // RFC 3206 section 4: [SYS/TEMP], the client should try again later.
        var text = rejection switch
        {
            ConnectionRejection.ShuttingDown => "Server shutting down, try again later",
            ConnectionRejection.TooManyConnectionsFromAddress => "Too many connections from your address, try again later",
            _ => "Too many connections, try again later",
        };
        Pop3Response.Err(connection.Output, Pop3ResponseCode.SysTemp, text);
        await connection.Output.FlushAsync(connection.ConnectionClosed);
    }
}
