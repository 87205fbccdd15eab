using System.Diagnostics.Metrics;
using HostedMail.Net;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp;

/// <summary>
/// The SMTP server's and the outbound queue's instruments (meter <c>HostedMail.Smtp</c>): messages
/// received and refused (MX and submission), open sessions, command latency by command, and
/// outbound recipients delivered, deferred and bounced. The queue gauges are
/// <see cref="Outbound.OutboundQueueGauges"/>.
/// </summary>
public static class SmtpMetrics
{
    /// <summary>The meter's name, for the node's OpenTelemetry registration.</summary>
    public const string MeterName = "HostedMail.Smtp";

    internal static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Received = Meter.CreateCounter<long>(
        "hostedmail.smtp.messages.received", "{message}", "Messages accepted with 250 after their commit, by role (mx, submission)");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "hostedmail.smtp.messages.refused", "{message}", "Messages refused at the end of DATA/BDAT, by role and reply class (4xx temporary, 5xx permanent)");

    private static readonly MailProtocolMetrics<SmtpVerb> Protocol = new(
        Meter,
        "smtp",
        "SMTP connections open on this node, by role",
        "Time from a complete command to its reply, by command (DATA/BDAT: from the end of the message to the reply)");

    private static readonly Counter<long> OutboundResults = Meter.CreateCounter<long>(
        "hostedmail.outbound.recipients", "{recipient}", "Outbound delivery attempts by outcome: delivered, deferred (retried later), bounced (failed or expired)");

    private static readonly KeyValuePair<string, object?> Mx = new("smtp.role", "mx");
    private static readonly KeyValuePair<string, object?> Submission = new("smtp.role", "submission");
    private static readonly KeyValuePair<string, object?> Temporary = new("smtp.reply.class", "4xx");
    private static readonly KeyValuePair<string, object?> Permanent = new("smtp.reply.class", "5xx");

    internal static void SessionStarted(bool submission) => Protocol.SessionStarted(submission ? Submission : Mx);

    internal static void SessionEnded(bool submission) => Protocol.SessionEnded(submission ? Submission : Mx);

    internal static void MessageAnswered(bool submission, int value)
    {
        var role = submission ? Submission : Mx;
        if (value is >= 200 and < 300)
        {
            Received.Add(1, role);
        }
        else
        {
            Refused.Add(1, role, value >= 500 ? Permanent : Temporary);
        }
    }

    internal static void CommandCompleted(SmtpVerb verb, long startTimestamp) => Protocol.CommandCompleted(verb, startTimestamp);

    internal static void OutboundDelivered(int count) => Outcome(count, "delivered");

    internal static void OutboundDeferred(int count) => Outcome(count, "deferred");

    internal static void OutboundBounced(int count) => Outcome(count, "bounced");

    private static void Outcome(int count, string outcome)
    {
        if (count > 0)
        {
            OutboundResults.Add(count, new KeyValuePair<string, object?>("hostedmail.outbound.outcome", outcome));
        }
    }
}
