using System.Collections.Concurrent;
using System.Globalization;
using HostedMail.Dns;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>The policy modes of RFC 8461 section 5.</summary>
internal enum MtaStsMode
{
    None,
    Testing,
    Enforce,
}

/// <summary>A parsed MTA-STS policy (RFC 8461 section 3.2) with when it was fetched and under which id.</summary>
internal sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> Mx, TimeSpan MaxAge, string Id, DateTimeOffset FetchedAt)
{
    /// <summary>RFC 8461 section 3.2: max_age is at most 31557600 seconds.</summary>
    private const long MaxAgeLimit = 31_557_600;

    public bool IsFresh(DateTimeOffset now) => now < FetchedAt + MaxAge;

    /// <summary>Parses the policy body; null when it is not a valid STSv1 policy.</summary>
    public static MtaStsPolicy? Parse(string text, string id, DateTimeOffset fetchedAt)
    {
        string? version = null;
        MtaStsMode? mode = null;
        long? maxAge = null;
        var mx = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version":
                    version = value;
                    break;
                case "mode":
                    mode = value switch { "enforce" => MtaStsMode.Enforce, "testing" => MtaStsMode.Testing, "none" => MtaStsMode.None, _ => null };
                    break;
                case "max_age":
                    maxAge = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? Math.Min(seconds, MaxAgeLimit) : null;
                    break;
                case "mx":
                    mx.Add(value.TrimEnd('.').ToLowerInvariant());
                    break;
                default:
                    // RFC 8461 section 3.2: unknown fields are ignored.
                    break;
            }
        }

        if (version != "STSv1" || mode is null || maxAge is null || (mode != MtaStsMode.None && mx.Count == 0))
        {
            return null;
        }

        return new MtaStsPolicy(mode.Value, mx, TimeSpan.FromSeconds(maxAge.Value), id, fetchedAt);
    }

    /// <summary>RFC 8461 section 4.1: an mx pattern matches exactly, or "*." matches one leftmost label.</summary>
    public bool MatchesMx(string host)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        foreach (var pattern in Mx)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = host.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && host[(dot + 1)..] == pattern[2..])
                {
                    return true;
                }
            }
            else if (host == pattern)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Finds the MTA-STS policy of a recipient domain: the TXT record at _mta-sts.domain says whether
/// one exists and its id (RFC 8461 section 3.1); the policy is fetched over HTTPS without
/// redirects (section 3.3) and cached until max_age, refetched when the id changes (section 5.1).
/// </summary>
// Implementation notes: the cache is per node and in memory; a node that restarts refetches. A
// cached fresh policy stays in force when the TXT record disappears or the fetch fails, so an
// attacker who blocks DNS or HTTPS cannot downgrade a domain already seen (section 5.1).
internal sealed class MtaStsPolicyCache(IDnsResolver dns, OutboundOptions options, HttpClient http, TimeProvider timeProvider, ILogger<MtaStsPolicyCache> logger)
{
    private const int MaxPolicyBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, MtaStsPolicy> cache = new(StringComparer.OrdinalIgnoreCase);

    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        if (!options.MtaSts.Enabled)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var cached = cache.TryGetValue(domain, out var c) && c.IsFresh(now) ? c : null;
        var (answer, texts) = await dns.QueryTxtAsync("_mta-sts." + domain, cancellationToken);
        var records = texts.Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
        // RFC 8461 section 3.1: more than one record is as good as none.
        var id = records.Count == 1 ? IdOf(records[0]) : null;
        if (id is null || answer.IsTransientError)
        {
            return cached;
        }

        if (cached is not null && cached.Id == id)
        {
            return cached;
        }

        var fetched = await FetchAsync(domain, id, now, cancellationToken);
        if (fetched is null)
        {
            return cached;
        }

        cache[domain] = fetched;
        return fetched;
    }

    private static string? IdOf(string record)
    {
        foreach (var field in record.Split(';'))
        {
            var pair = field.Trim();
            if (pair.StartsWith("id=", StringComparison.Ordinal) && pair.Length > 3)
            {
                return pair[3..];
            }
        }

        return null;
    }

    private async Task<MtaStsPolicy?> FetchAsync(string domain, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var url = string.Format(CultureInfo.InvariantCulture, options.MtaSts.PolicyUrl, domain);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.MtaSts.FetchTimeout);
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            // RFC 8461 section 3.3: 200 only, no redirects, text/plain.
            if (response.StatusCode != System.Net.HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType is not "text/plain")
            {
                logger.LogInformation("MTA-STS policy fetch for {Domain} answered {Status}", domain, (int)response.StatusCode);
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MaxPolicyBytes + 1];
            var length = 0;
            int n;
            while (length < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(length), timeout.Token)) > 0)
            {
                length += n;
            }

            if (length > MaxPolicyBytes)
            {
                return null;
            }

            var policy = MtaStsPolicy.Parse(System.Text.Encoding.UTF8.GetString(buffer, 0, length), id, now);
            if (policy is null)
            {
                logger.LogInformation("MTA-STS policy of {Domain} is invalid", domain);
            }

            return policy;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("MTA-STS policy fetch for {Domain} failed: {Reason}", domain, ex.Message);
            return null;
        }
    }
}
