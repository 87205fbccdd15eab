using HostedMail.Dns;

namespace HostedMail.MailAuth.Tests;

/// <summary>An <see cref="IDnsResolver"/> over a dictionary, for unit tests that need no sockets.</summary>
internal sealed class InMemoryResolver : IDnsResolver
{
    private readonly Dictionary<(string, DnsRecordType), List<DnsRecord>> _records = [];
    private readonly Dictionary<string, DnsStatus> _failures = new(StringComparer.OrdinalIgnoreCase);

    public InMemoryResolver AddTxt(string name, params string[] texts)
    {
        foreach (var text in texts)
        {
            Add(new TxtRecord(name, 300, [text]));
        }

        return this;
    }

    public InMemoryResolver Add(DnsRecord record)
    {
        var key = (record.Name.ToLowerInvariant(), record.Type);
        if (!_records.TryGetValue(key, out var list))
        {
            _records[key] = list = [];
        }

        list.Add(record);
        return this;
    }

    public InMemoryResolver Fail(string name, DnsStatus status)
    {
        _failures[name] = status;
        return this;
    }

    public Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        name = name.TrimEnd('.');
        if (_failures.TryGetValue(name, out var failure))
        {
            return Task.FromResult(new DnsAnswer(name, type, failure, [], name, false));
        }

        if (_records.TryGetValue((name.ToLowerInvariant(), type), out var list))
        {
            return Task.FromResult(new DnsAnswer(name, type, DnsStatus.Success, list, name, false));
        }

        var exists = _records.Keys.Any(k => string.Equals(k.Item1, name, StringComparison.OrdinalIgnoreCase));
        return Task.FromResult(new DnsAnswer(name, type, exists ? DnsStatus.NoData : DnsStatus.NxDomain, [], name, false));
    }
}

/// <summary>A clock fixed at a given instant.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
