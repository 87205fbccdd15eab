using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Server;

/// <summary>Thrown by a command handler to answer with a reply; the session loop writes it and goes on.</summary>
internal sealed class SmtpReplyException(SmtpReply reply, bool closeConnection = false) : Exception(reply.ToString())
{
    public SmtpReply Reply { get; } = reply;

    public bool CloseConnection { get; } = closeConnection;
}
