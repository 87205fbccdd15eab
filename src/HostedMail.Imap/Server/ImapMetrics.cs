using System.Diagnostics;
using System.Diagnostics.Metrics;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

/// <summary>The IMAP server's instruments (meter <c>HostedMail.Imap</c>): open sessions and command latency by command.</summary>
public static class ImapMetrics
{
    /// <summary>The meter's name, for the node's OpenTelemetry registration.</summary>
    public const string MeterName = "HostedMail.Imap";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<long> ActiveSessions = Meter.CreateUpDownCounter<long>(
        "hostedmail.imap.active_sessions", "{session}", "IMAP connections open on this node");

    private static readonly Histogram<double> CommandDuration = Meter.CreateHistogram(
        "hostedmail.imap.command.duration", "s", "Time from a complete command to its tagged response, by command (IDLE excluded: it lasts as long as the client wants)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    // One cached name per verb: recording allocates nothing (Enum.ToString would, per call).
    private static readonly string[] VerbNames = Enum.GetValues<ImapVerb>().Select(v => v.ToString().ToUpperInvariant()).ToArray();

    internal static void SessionStarted() => ActiveSessions.Add(1);

    internal static void SessionEnded() => ActiveSessions.Add(-1);

    internal static void CommandCompleted(ImapVerb verb, long startTimestamp)
    {
        if (verb == ImapVerb.Idle)
        {
            return;
        }

        var index = (int)verb;
        var name = (uint)index < (uint)VerbNames.Length ? VerbNames[index] : "OTHER";
        CommandDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("imap.command", name));
    }
}
