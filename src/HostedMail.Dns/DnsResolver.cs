using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HostedMail.Dns.Protocol;

namespace HostedMail.Dns;

/// <summary>A caching DNS stub resolver: UDP with TCP fallback, EDNS0, retries across servers, CNAME chasing.</summary>
public sealed class DnsResolver : IDnsResolver
{
    // Implementation notes:
    // - Every query uses a fresh socket (random source port) and a random ID; UDP datagrams that do not
    //   match ID and question are ignored, not treated as answers (RFC 5452 section 9.1).
    // - Statuses stay distinct: NXDOMAIN and NODATA are answers; SERVFAIL, timeouts and malformed messages
    //   are failures after which the next server is tried.
    // - Negative answers are cached for min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5); without an SOA
    //   only for UnprovenNegativeCacheTtl (a few seconds; RFC 2308 section 5, "SHOULD NOT").
    // - Queries are hedged (ExchangeAsync): a lost datagram costs a hedge delay learned from the
    //   server's round-trip times (ServerHealth), not Timeout.
    private readonly DnsResolverOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly DnsCache? _cache;
    private readonly ConcurrentDictionary<IPEndPoint, ServerHealth> _health = new();

    /// <summary>Creates a resolver with the given options (servers from resolv.conf when none are given) and clock.</summary>
    public DnsResolver(DnsResolverOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? DnsResolverOptions.FromResolvConf();
        if (_options.Servers.Count == 0)
        {
            foreach (var server in DnsResolverOptions.FromResolvConf().Servers)
            {
                _options.Servers.Add(server);
            }
        }

        _timeProvider = timeProvider ?? TimeProvider.System;
        _cache = _options.EnableCache ? new DnsCache(_timeProvider, Math.Max(16, _options.MaxCacheEntries)) : null;
    }

    /// <summary>Queries sent to one upstream server so far, for diagnostics and tests.</summary>
    internal long QueriesSentTo(IPEndPoint server) => _health.TryGetValue(server, out var health) ? health.Sent : 0;

    /// <summary>Number of entries in the cache, for diagnostics and tests.</summary>
    public int CachedEntries => _cache?.Count ?? 0;

    /// <summary>Drops every cached answer.</summary>
    public void ClearCache() => _cache?.Clear();

    /// <inheritdoc />
    public async Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        name = DnsName.Normalize(name ?? string.Empty);
        if (!DnsName.TryEncode(name, out _))
        {
            // A name that cannot be encoded cannot exist.
            return DnsAnswer.Failure(name, type, DnsStatus.NxDomain);
        }

        var key = DnsName.Key(name);
        if (_cache is not null && _cache.TryGet(key, type, out var cached))
        {
            return cached;
        }

        var (answer, ttl) = await ResolveAsync(name, type, cancellationToken).ConfigureAwait(false);
        _cache?.Set(key, type, answer, ttl);
        return answer;
    }

    private async Task<(DnsAnswer Answer, TimeSpan Ttl)> ResolveAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var current = name;
        var minTtl = uint.MaxValue;
        var ad = true;
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { name };
        for (var hop = 0; hop <= _options.MaxCnameChain; hop++)
        {
            var (status, message) = await ExchangeAsync(current, type, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                return (DnsAnswer.Failure(name, type, status), _options.FailureCacheTtl);
            }

            ad &= message.AuthenticatedData;

            // Follow the CNAME chain the server included (RFC 1034 section 3.6.2).
            var records = new List<DnsRecord>();
            var chased = false;
            for (var guard = 0; guard <= _options.MaxCnameChain; guard++)
            {
                records.Clear();
                NameRecord? alias = null;
                foreach (var record in message.Answers)
                {
                    if (!DnsName.EqualsIgnoreCase(record.Name, current))
                    {
                        continue;
                    }

                    if (record.Type == type)
                    {
                        records.Add(record);
                    }
                    else if (record is NameRecord { Type: DnsRecordType.CNAME } cname && type != DnsRecordType.CNAME)
                    {
                        alias = cname;
                    }
                }

                if (records.Count > 0 || alias is null)
                {
                    break;
                }

                if (!visited.Add(alias.Target))
                {
                    return (DnsAnswer.Failure(name, type, DnsStatus.ServerFailure), _options.FailureCacheTtl);
                }

                minTtl = Math.Min(minTtl, alias.Ttl);
                current = alias.Target;
                chased = true;
            }

            if (records.Count > 0)
            {
                foreach (var record in records)
                {
                    minTtl = Math.Min(minTtl, record.Ttl);
                }

                var ttl = TimeSpan.FromSeconds(minTtl);
                return (new DnsAnswer(name, type, DnsStatus.Success, records, current, ad), ttl > _options.MaxCacheTtl ? _options.MaxCacheTtl : ttl);
            }

            if (chased && message.ResponseCode == DnsResponseCode.NoError && !HasNegativeProof(message))
            {
                // The server gave the alias but not what it points to: ask for the target.
                continue;
            }

            var negative = message.ResponseCode == DnsResponseCode.NameError ? DnsStatus.NxDomain : DnsStatus.NoData;
            return (new DnsAnswer(name, type, negative, [], current, ad), NegativeTtl(message, minTtl));
        }

        // RFC 1034 section 5.3.3: stop on long chains; report as a server failure like BIND does.
        return (DnsAnswer.Failure(name, type, DnsStatus.ServerFailure), _options.FailureCacheTtl);
    }

    private static bool HasNegativeProof(DnsMessage message) => message.Authority.Any(r => r.Type == DnsRecordType.SOA);

    private TimeSpan NegativeTtl(DnsMessage message, uint minTtl)
    {
        var soa = message.Authority.OfType<SoaRecord>().FirstOrDefault();
        if (soa is null)
        {
            // RFC 2308 section 5: without an SOA a negative answer SHOULD NOT be cached; some
            // resolvers answer so under load, and one message asks the same name several times
            // (SPF includes, DMARC), so it is kept for a few seconds only.
            var shortTtl = TimeSpan.FromSeconds(Math.Min(minTtl, _options.UnprovenNegativeCacheTtl.TotalSeconds));
            return shortTtl;
        }

        var seconds = Math.Min(Math.Min(soa.Ttl, soa.Minimum), minTtl);
        var ttl = TimeSpan.FromSeconds(seconds);
        return ttl > _options.MaxNegativeCacheTtl ? _options.MaxNegativeCacheTtl : ttl;
    }

    /// <summary>
    /// Asks the servers until one gives an answer (NOERROR or NXDOMAIN), hedging: a query that has
    /// not been answered after <see cref="DnsResolverOptions.HedgeDelay"/> gets company (the next
    /// server in turn, or the same one with a new ID and port), a query that failed outright
    /// (SERVFAIL, refused, ICMP unreachable, malformed) is replaced at once, and the first answer
    /// wins. At most Attempts x Servers queries go out; each waits at most Timeout.
    /// </summary>
    // A lost UDP datagram used to cost a whole Timeout (seconds) before the next try; the
    // machine's resolver drops some under load (issue 14 measured 8.6 instead of 675 messages/s).
    private async Task<(DnsStatus Status, DnsMessage? Message)> ExchangeAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        DnsName.TryEncode(name, out var wireName);
        var budget = Math.Max(1, _options.Attempts) * Math.Max(1, _options.Servers.Count);
        using var losers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new List<Task<QueryOutcome>>(Math.Min(budget, 4));
        var launched = 0;
        var sawServerFailure = false;
        var sawMalformed = false;
        Task? hedge = null;
        try
        {
            Launch();
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var finished = hedge is null ? await Task.WhenAny(pending).ConfigureAwait(false) : await Task.WhenAny([.. pending, hedge]).ConfigureAwait(false);
                if (finished == hedge)
                {
                    // No answer yet: send another query beside the ones in flight.
                    Launch();
                    continue;
                }

                var query = (Task<QueryOutcome>)finished;
                pending.Remove(query);
                var outcome = await query.ConfigureAwait(false);
                if (outcome.Message is not null)
                {
                    return (DnsStatus.Success, outcome.Message);
                }

                sawServerFailure |= outcome.Status == DnsStatus.ServerFailure;
                sawMalformed |= outcome.Status == DnsStatus.MalformedResponse;
                // Failed (SERVFAIL, unreachable, malformed) or timed out: the next query goes now,
                // without waiting for the hedge timer.
                Launch();
            }
        }
        finally
        {
            // The queries still in flight lost the race (or the caller gave up): stop them.
            await losers.CancelAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var failure = sawServerFailure ? DnsStatus.ServerFailure : sawMalformed ? DnsStatus.MalformedResponse : DnsStatus.Timeout;
        return (failure, null);

        void Launch()
        {
            if (launched >= budget)
            {
                hedge = null;
                return;
            }

            var server = _options.Servers[launched % _options.Servers.Count];
            launched++;
            if (HealthOf(server).IsHeldDown(_timeProvider.GetUtcNow()))
            {
                // It refused a moment ago: as good as refused again, without asking.
                pending.Add(Task.FromResult(new QueryOutcome(DnsStatus.Timeout, null)));
                hedge = null;
                return;
            }

            pending.Add(QueryOneAsync(server, wireName, name, type, losers.Token));
            hedge = launched < budget && _options.HedgeDelay > TimeSpan.Zero
                ? Task.Delay(HealthOf(server).HedgeDelay(_options.MinHedgeDelay, _options.HedgeDelay), _timeProvider, losers.Token)
                : null;
        }
    }

    /// <summary>One query to one server: the message when it answered NOERROR or NXDOMAIN, else why not (never throws).</summary>
    private async Task<QueryOutcome> QueryOneAsync(IPEndPoint server, byte[] wireName, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        HealthOf(server).CountSent();
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var query = DnsMessageWriter.BuildQuery(id, wireName, type, _options.UdpPayloadSize, _options.RequestDnssec);
        using var timeout = new CancellationTokenSource(_options.Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var started = _timeProvider.GetTimestamp();
            var message = await UdpExchangeAsync(server, query, id, name, type, linked.Token).ConfigureAwait(false);
            HealthOf(server).Record(_timeProvider.GetElapsedTime(started));
            if (message.Truncated)
            {
                // RFC 7766 section 5: retry the same question over TCP.
                message = await TcpExchangeAsync(server, query, id, name, type, linked.Token).ConfigureAwait(false);
            }

            return message.ResponseCode is DnsResponseCode.NoError or DnsResponseCode.NameError
                ? new QueryOutcome(DnsStatus.Success, message)
                : new QueryOutcome(DnsStatus.ServerFailure, null);
        }
        catch (OperationCanceledException)
        {
            // Timed out on this server, or the race is over.
            return new QueryOutcome(DnsStatus.Timeout, null);
        }
        catch (DnsFormatException)
        {
            return new QueryOutcome(DnsStatus.MalformedResponse, null);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // ICMP port unreachable (UDP) or a refused TCP connection: nothing listens there.
            if (_options.RefusedServerHoldDown > TimeSpan.Zero)
            {
                HealthOf(server).Refused(_timeProvider.GetUtcNow(), _options.RefusedServerHoldDown);
            }

            return new QueryOutcome(DnsStatus.Timeout, null);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // Unreachable, reset, TCP closed mid-answer: as good as no answer.
            return new QueryOutcome(DnsStatus.Timeout, null);
        }
    }

    private ServerHealth HealthOf(IPEndPoint server) => _health.GetOrAdd(server, static _ => new ServerHealth());

    private readonly record struct QueryOutcome(DnsStatus Status, DnsMessage? Message);

    private static async Task<DnsMessage> UdpExchangeAsync(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        await socket.SendAsync(query, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[65535];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            DnsMessage message;
            try
            {
                message = DnsMessageReader.Parse(buffer.AsSpan(0, received));
            }
            catch (DnsFormatException) when (!Matches(buffer.AsSpan(0, received), id))
            {
                // Garbage that is not even addressed to us: keep listening.
                continue;
            }

            if (message.Id != id || !message.IsResponse)
            {
                continue;
            }

            CheckQuestion(message, name, type);
            return message;
        }
    }

    private static bool Matches(ReadOnlySpan<byte> datagram, ushort id) =>
        datagram.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(datagram) == id;

    private static void CheckQuestion(DnsMessage message, string name, DnsRecordType type)
    {
        if (message.QuestionCount != 1 || message.QuestionType != type || !DnsName.EqualsIgnoreCase(message.QuestionName, name))
        {
            throw new DnsFormatException("answer does not repeat the question");
        }
    }

    private static async Task<DnsMessage> TcpExchangeAsync(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
        var lengthBytes = new byte[2];
        await stream.ReadExactlyAsync(lengthBytes, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadUInt16BigEndian(lengthBytes);
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        var message = DnsMessageReader.Parse(buffer);
        if (message.Id != id || !message.IsResponse)
        {
            throw new DnsFormatException("TCP answer with a different ID");
        }

        CheckQuestion(message, name, type);
        return message;
    }
}
