using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HostedMail.Net;

/// <summary>
/// How a protocol project binds its connection handler to a configured listener: SMTP, IMAP and
/// POP3 each register one (<c>services.AddSingleton(new MailProtocolBinding("imap", ...))</c>), and
/// the node binds every listener of its configuration through the binding its <c>Protocol</c> names.
/// </summary>
/// <param name="Protocol">The protocol name used in configuration: "smtp", "imap", "pop3".</param>
/// <param name="Bind">Makes a Kestrel endpoint serve this protocol for the listener.</param>
public sealed record MailProtocolBinding(string Protocol, Action<ListenOptions, MailListener> Bind);
