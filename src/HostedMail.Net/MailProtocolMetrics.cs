using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace HostedMail.Net;

/// <summary>
/// What SMTP, IMAP and POP3 measure alike: open sessions (an up-down counter) and command latency
/// by command (a histogram tagged with the command's name). Each protocol keeps its own meter and
/// instrument names (<c>hostedmail.PROTOCOL.active_sessions</c>, <c>hostedmail.PROTOCOL.command.duration</c>).
/// </summary>
/// <typeparam name="TVerb">The protocol's command enum; its values are 0..n-1 in declaration order.</typeparam>
public sealed class MailProtocolMetrics<TVerb> where TVerb : struct, Enum
{
    private static readonly InstrumentAdvice<double> Buckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    // One cached name per verb: recording allocates nothing (Enum.ToString would, per call).
    private static readonly string[] VerbNames = Enum.GetValues<TVerb>().Select(v => v.ToString().ToUpperInvariant()).ToArray();

    private readonly UpDownCounter<long> _sessions;
    private readonly Histogram<double> _commandDuration;
    private readonly string _commandTag;

    public MailProtocolMetrics(Meter meter, string protocol, string sessionsDescription, string commandDescription)
    {
        if (Enum.GetUnderlyingType(typeof(TVerb)) != typeof(int))
        {
            throw new ArgumentException($"{typeof(TVerb).Name} must be an int enum");
        }

        _sessions = meter.CreateUpDownCounter<long>($"hostedmail.{protocol}.active_sessions", "{session}", sessionsDescription);
        _commandDuration = meter.CreateHistogram($"hostedmail.{protocol}.command.duration", "s", commandDescription, advice: Buckets);
        _commandTag = protocol + ".command";
    }

    public void SessionStarted() => _sessions.Add(1);

    public void SessionEnded() => _sessions.Add(-1);

    public void SessionStarted(KeyValuePair<string, object?> tag) => _sessions.Add(1, tag);

    public void SessionEnded(KeyValuePair<string, object?> tag) => _sessions.Add(-1, tag);

    public void CommandCompleted(TVerb verb, long startTimestamp)
    {
        var index = Unsafe.As<TVerb, int>(ref verb);
        var name = (uint)index < (uint)VerbNames.Length ? VerbNames[index] : "OTHER";
        _commandDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>(_commandTag, name));
    }
}
