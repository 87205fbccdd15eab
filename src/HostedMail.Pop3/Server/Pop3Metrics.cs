using System.Diagnostics.Metrics;
using HostedMail.Net;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Server;

/// <summary>The POP3 server's instruments (meter <c>HostedMail.Pop3</c>): open sessions and command latency by command.</summary>
public static class Pop3Metrics
{
    /// <summary>The meter's name, for the node's OpenTelemetry registration.</summary>
    public const string MeterName = "HostedMail.Pop3";

    internal static readonly MailProtocolMetrics<Pop3Verb> Protocol = new(
        new Meter(MeterName),
        "pop3",
        "POP3 connections open on this node",
        "Time from a complete command to the end of its response, by command");
}
