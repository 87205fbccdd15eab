using System.Diagnostics.Metrics;
using HostedMail.Imap.Protocol;
using HostedMail.Net;

namespace HostedMail.Imap.Server;

/// <summary>The IMAP server's instruments (meter <c>HostedMail.Imap</c>): open sessions and command latency by command.</summary>
public static class ImapMetrics
{
    /// <summary>The meter's name, for the node's OpenTelemetry registration.</summary>
    public const string MeterName = "HostedMail.Imap";

    internal static readonly MailProtocolMetrics<ImapVerb> Protocol = new(
        new Meter(MeterName),
        "imap",
        "IMAP connections open on this node",
        "Time from a complete command to its tagged response, by command (IDLE excluded: it lasts as long as the client wants)");

    internal static void CommandCompleted(ImapVerb verb, long startTimestamp)
    {
        if (verb != ImapVerb.Idle)
        {
            Protocol.CommandCompleted(verb, startTimestamp);
        }
    }
}
