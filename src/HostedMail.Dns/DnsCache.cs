using System.Collections.Concurrent;

namespace HostedMail.Dns;

/// <summary>TTL-respecting answer cache, including negative answers (RFC 2308); time comes from a <see cref="TimeProvider"/>.</summary>
internal sealed class DnsCache(TimeProvider timeProvider, int maxEntries)
{
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(string key, DnsRecordType type, out DnsAnswer answer)
    {
        if (_entries.TryGetValue((key, type), out var entry))
        {
            if (timeProvider.GetUtcNow() < entry.Expires)
            {
                answer = entry.Answer;
                return true;
            }

            _entries.TryRemove(new KeyValuePair<(string, DnsRecordType), Entry>((key, type), entry));
        }

        answer = null!;
        return false;
    }

    public void Set(string key, DnsRecordType type, DnsAnswer answer, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= maxEntries)
        {
            Purge();
        }

        _entries[(key, type)] = new Entry(answer, timeProvider.GetUtcNow() + ttl);
    }

    public void Clear() => _entries.Clear();

    private void Purge()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var pair in _entries)
        {
            if (pair.Value.Expires <= now)
            {
                _entries.TryRemove(pair);
            }
        }

        // Still full of live entries: start over rather than track recency; a resolver cache is an optimisation only.
        if (_entries.Count >= maxEntries)
        {
            _entries.Clear();
        }
    }

    private sealed record Entry(DnsAnswer Answer, DateTimeOffset Expires);
}
