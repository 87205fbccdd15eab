using System.Diagnostics;
using System.Diagnostics.Metrics;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Server;

/// <summary>The POP3 server's instruments (meter <c>HostedMail.Pop3</c>): open sessions and command latency by command.</summary>
public static class Pop3Metrics
{
    /// <summary>The meter's name, for the node's OpenTelemetry registration.</summary>
    public const string MeterName = "HostedMail.Pop3";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<long> ActiveSessions = Meter.CreateUpDownCounter<long>(
        "hostedmail.pop3.active_sessions", "{session}", "POP3 connections open on this node");

    private static readonly Histogram<double> CommandDuration = Meter.CreateHistogram(
        "hostedmail.pop3.command.duration", "s", "Time from a complete command to the end of its response, by command",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    // One cached name per verb: recording allocates nothing.
    private static readonly string[] VerbNames = Enum.GetValues<Pop3Verb>().Select(v => v.ToString().ToUpperInvariant()).ToArray();

    internal static void SessionStarted() => ActiveSessions.Add(1);

    internal static void SessionEnded() => ActiveSessions.Add(-1);

    internal static void CommandCompleted(Pop3Verb verb, long startTimestamp)
    {
        var index = (int)verb;
        var name = (uint)index < (uint)VerbNames.Length ? VerbNames[index] : "UNKNOWN";
        CommandDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("pop3.command", name));
    }
}
