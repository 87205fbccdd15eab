using HostedMail.Net;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Server;

/// <summary>Runs one <see cref="SmtpSession"/> per connection; the listener's name tells the role.</summary>
internal sealed class SmtpConnectionHandler(MailNetServices net, SmtpServices services) : MailConnectionHandler(net)
{
    protected override async Task RunSessionAsync(MailConnection connection)
    {
        // Configuration keys are case-insensitive and the listener's name keeps whichever casing a
        // provider gave it: HOSTEDMAIL__MAIL__LISTENERS__SUBMISSION__... names it "SUBMISSION", and
        // an ordinal match made that port an MX (no AUTH, relaying refused).
        var role = connection.Listener.Options.Name.StartsWith("submission", StringComparison.OrdinalIgnoreCase) ? SmtpRole.Submission : SmtpRole.Mx;
        SmtpMetrics.SessionStarted(role == SmtpRole.Submission);
        try
        {
            await new SmtpSession(connection, role, services).RunAsync();
        }
        finally
        {
            SmtpMetrics.SessionEnded(role == SmtpRole.Submission);
        }
    }

    protected override async ValueTask RejectAsync(MailConnection connection, ConnectionRejection rejection)
    {
        var reply = rejection == ConnectionRejection.ShuttingDown ? SmtpReplies.ShuttingDown : SmtpReplies.TooManyConnections;
        reply.WriteTo(connection.Output);
        await connection.Output.FlushAsync();
    }
}
