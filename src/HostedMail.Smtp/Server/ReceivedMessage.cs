using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Net;

namespace HostedMail.Smtp.Server;

/// <summary>A message just received in full, with the envelope and connection facts it came with.</summary>
internal sealed record ReceivedMessage(
    SmtpTransaction Transaction,
    ReadOnlyMemory<byte> Body,
    string Helo,
    bool Esmtp,
    ConnectionInfo Connection,
    Mailbox? Authenticated);
