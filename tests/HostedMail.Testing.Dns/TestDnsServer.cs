using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.Testing.Dns;

/// <summary>An in-process authoritative DNS server on loopback (UDP and TCP, same port) serving zones given in code.</summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    // Implementation notes:
    // - All zone state sits behind _gate; handlers copy what they need and build the answer outside it.
    // - Answers are authoritative (AA=1): CNAMEs inside the zone are chased, a name with no record of the
    //   type gets NODATA, a name that neither exists nor has descendants gets NXDOMAIN, both with an SOA.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<TestDnsRecord>> _zone = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Name, TestDnsRecordType Type), TestDnsFailure> _failures = [];
    private readonly Dictionary<string, Func<byte[], byte[]?>> _raw = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<TestDnsQuery> _queries = new();
    private Random _loss = new(1);
    private int _dropped;
    private int _dropNext;
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;

    private TestDnsServer(IPAddress address, int port)
    {
        // Bind TCP first on the requested port, then UDP on the same port number.
        _tcp = new TcpListener(address, port);
        _tcp.Start();
        var endPoint = (IPEndPoint)_tcp.LocalEndpoint;
        _udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(endPoint);
        EndPoint = endPoint;
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    /// <summary>Starts a server on <paramref name="address"/> (default 127.0.0.1) and <paramref name="port"/> (default ephemeral).</summary>
    public static TestDnsServer Start(IPAddress? address = null, int port = 0)
    {
        address ??= IPAddress.Loopback;
        for (var tries = 0; ; tries++)
        {
            try
            {
                return new TestDnsServer(address, port);
            }
            catch (SocketException) when (port == 0 && tries < 5)
            {
                // The ephemeral TCP port was taken for UDP by someone else; pick another.
            }
        }
    }

    /// <summary>Where the server listens, for UDP and TCP alike.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>TTL and SOA MINIMUM of the SOA sent with negative answers.</summary>
    public uint NegativeTtl { get; set; } = 60;

    /// <summary>Answer every UDP query with TC=1 and no records, forcing TCP.</summary>
    public bool AlwaysTruncateUdp { get; set; }

    /// <summary>Set the AD bit in answers.</summary>
    public bool AuthenticatedData { get; set; }

    /// <summary>
    /// Fraction (0 to 1) of UDP queries dropped without an answer, like a resolver that loses
    /// packets under load; decided by a seeded generator (<see cref="LossSeed"/>) so a run repeats.
    /// </summary>
    public double LossRate { get; set; }

    /// <summary>Seed of the generator behind <see cref="LossRate"/>; setting it restarts the sequence.</summary>
    public int LossSeed
    {
        set
        {
            lock (_gate)
            {
                _loss = new Random(value);
            }
        }
    }

    /// <summary>Drops the next <paramref name="count"/> UDP queries whatever <see cref="LossRate"/> says (a deterministic loss).</summary>
    public void DropNextQueries(int count) => Interlocked.Exchange(ref _dropNext, count);

    /// <summary>UDP queries dropped so far (<see cref="LossRate"/> and <see cref="DropNextQueries"/>).</summary>
    public int DroppedQueries => Volatile.Read(ref _dropped);

    /// <summary>Send negative answers (NXDOMAIN, NODATA) without the SOA, like resolvers that make them uncacheable (RFC 2308 section 5).</summary>
    public bool OmitSoaInNegativeAnswers { get; set; }

    /// <summary>Every query received so far, in order.</summary>
    public IReadOnlyCollection<TestDnsQuery> Queries => _queries;

    /// <summary>Adds records at <paramref name="name"/>.</summary>
    public TestDnsServer Add(string name, params TestDnsRecord[] records)
    {
        lock (_gate)
        {
            var key = Key(name);
            if (!_zone.TryGetValue(key, out var list))
            {
                _zone[key] = list = [];
            }

            list.AddRange(records);
        }

        return this;
    }

    /// <summary>Removes the records of <paramref name="type"/> at <paramref name="name"/> (all types for <see cref="TestDnsRecordType.Any"/>).</summary>
    public void Remove(string name, TestDnsRecordType type = TestDnsRecordType.Any)
    {
        lock (_gate)
        {
            if (_zone.TryGetValue(Key(name), out var list))
            {
                list.RemoveAll(r => type == TestDnsRecordType.Any || r.Type == type);
                if (list.Count == 0)
                {
                    _zone.Remove(Key(name));
                }
            }
        }
    }

    /// <summary>Makes queries for <paramref name="name"/> (and <paramref name="type"/>, or every type) fail as given.</summary>
    public void Fail(string name, TestDnsFailure failure, TestDnsRecordType type = TestDnsRecordType.Any)
    {
        lock (_gate)
        {
            _failures[(Key(name), type)] = failure;
        }
    }

    /// <summary>Hands queries for <paramref name="name"/> to <paramref name="responder"/>, which returns the raw reply or null to stay silent.</summary>
    public void RespondRaw(string name, Func<byte[], byte[]?> responder)
    {
        lock (_gate)
        {
            _raw[Key(name)] = responder;
        }
    }

    /// <summary>Forgets every record, failure and raw responder.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _zone.Clear();
            _failures.Clear();
            _raw.Clear();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcp.Stop();
        try
        {
            await Task.WhenAll(_udpLoop, _tcpLoop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Expected when the loops are torn down.
        }

        _stop.Dispose();
    }

    private static string Key(string name) => name.TrimEnd('.').ToLowerInvariant();

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65535];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(EndPoint.Address, 0), _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                continue; // ICMP errors from earlier sends surface here on some platforms.
            }

            var reply = Handle(buffer.AsSpan(0, received.ReceivedBytes).ToArray(), overTcp: false);
            if (reply is not null)
            {
                try
                {
                    await _udp.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // The client went away.
                }
            }
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _tcp.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            _ = Task.Run(() => ServeTcpAsync(client));
        }
    }

    private async Task ServeTcpAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var length = new byte[2];
                while (!_stop.IsCancellationRequested)
                {
                    await stream.ReadExactlyAsync(length, _stop.Token).ConfigureAwait(false);
                    var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                    await stream.ReadExactlyAsync(query, _stop.Token).ConfigureAwait(false);
                    var reply = Handle(query, overTcp: true);
                    if (reply is null)
                    {
                        // Simulated timeout: hold the connection open until the client gives up.
                        await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
                        return;
                    }

                    var framed = new byte[reply.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
                    reply.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Client closed the connection or the server stopped.
            }
        }
    }

    private byte[]? Handle(byte[] query, bool overTcp)
    {
        if (!TryParseQuestion(query, out var name, out var type, out var questionEnd, out var udpSize))
        {
            return null;
        }

        _queries.Enqueue(new TestDnsQuery(name, type, overTcp));
        if (!overTcp && (LossRate > 0 || Volatile.Read(ref _dropNext) > 0))
        {
            bool drop;
            lock (_gate)
            {
                drop = _dropNext > 0 ? _dropNext-- > 0 : _loss.NextDouble() < LossRate;
            }

            if (drop)
            {
                Interlocked.Increment(ref _dropped);
                return null;
            }
        }

        Func<byte[], byte[]?>? raw;
        TestDnsFailure? failure = null;
        var answers = new List<(string Owner, TestDnsRecord Record)>();
        var exists = false;
        var current = name;
        lock (_gate)
        {
            _raw.TryGetValue(Key(name), out raw);
            for (var hop = 0; hop < 16 && raw is null; hop++)
            {
                var key = Key(current);
                if (_failures.TryGetValue((key, type), out var f) || _failures.TryGetValue((key, TestDnsRecordType.Any), out f))
                {
                    failure = f;
                    break;
                }

                _zone.TryGetValue(key, out var records);
                exists = records is { Count: > 0 } || _zone.Keys.Any(k => k.EndsWith("." + key, StringComparison.Ordinal));
                var matching = records?.Where(r => r.Type == type).ToList() ?? [];
                if (matching.Count > 0)
                {
                    answers.AddRange(matching.Select(r => (current, r)));
                    break;
                }

                var alias = records?.FirstOrDefault(r => r.Type == TestDnsRecordType.CNAME);
                if (alias?.Target is null || type == TestDnsRecordType.CNAME)
                {
                    break;
                }

                answers.Add((current, alias));
                current = alias.Target;
            }
        }

        if (raw is not null)
        {
            return raw(query);
        }

        if (failure == TestDnsFailure.Timeout)
        {
            return null;
        }

        var rcode = failure switch
        {
            TestDnsFailure.ServerFailure => 2,
            TestDnsFailure.Refused => 5,
            _ => answers.Count == 0 || answers[^1].Record.Type == TestDnsRecordType.CNAME ? (exists ? 0 : 3) : 0,
        };
        var reply = BuildReply(query, questionEnd, rcode, failure is null ? answers : [], current);
        if (!overTcp && (AlwaysTruncateUdp || reply.Length > udpSize))
        {
            // RFC 2181 section 9: set TC and send what fits; here only the question.
            reply = BuildReply(query, questionEnd, rcode, [], current, truncated: true);
        }

        return reply;
    }

    private byte[] BuildReply(byte[] query, int questionEnd, int rcode, List<(string Owner, TestDnsRecord Record)> answers, string negativeOwner, bool truncated = false)
    {
        var output = new List<byte>(512);
        output.AddRange(query.AsSpan(0, 2).ToArray());
        var rd = query[2] & 0x01;
        // QR=1, AA=1, RD copied, RA=1.
        var flags = 0x8400 | (rd << 8) | 0x0080 | rcode | (truncated ? 0x0200 : 0) | (AuthenticatedData ? 0x0020 : 0);
        var addSoa = !truncated && !OmitSoaInNegativeAnswers && (rcode == 3 || (rcode == 0 && (answers.Count == 0 || answers[^1].Record.Type == TestDnsRecordType.CNAME)));
        output.Add((byte)(flags >> 8));
        output.Add((byte)flags);
        Append16(output, 1);
        Append16(output, truncated ? 0 : answers.Count);
        Append16(output, addSoa ? 1 : 0);
        Append16(output, 0);
        output.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        if (!truncated)
        {
            var first = true;
            foreach (var (owner, record) in answers)
            {
                if (first)
                {
                    // Compress the first owner to the question name (RFC 1035 section 4.1.4).
                    output.Add(0xC0);
                    output.Add(12);
                    first = false;
                }
                else
                {
                    output.AddRange(TestDnsRecord.EncodeName(owner));
                }

                AppendRecord(output, record.Type, record.Ttl, record.Data);
            }

            if (addSoa)
            {
                var zone = ZoneOf(negativeOwner);
                output.AddRange(TestDnsRecord.EncodeName(zone));
                var soa = TestDnsRecord.Soa("ns." + zone, "hostmaster." + zone, 1, NegativeTtl);
                AppendRecord(output, TestDnsRecordType.SOA, NegativeTtl, soa.Data);
            }
        }

        return [.. output];
    }

    private static string ZoneOf(string name)
    {
        var labels = name.TrimEnd('.').Split('.');
        return labels.Length <= 2 ? name.TrimEnd('.') : string.Join('.', labels[^2..]);
    }

    private static void AppendRecord(List<byte> output, TestDnsRecordType type, uint ttl, byte[] data)
    {
        Append16(output, (int)type);
        Append16(output, 1);
        Append16(output, (int)(ttl >> 16));
        Append16(output, (int)(ttl & 0xFFFF));
        Append16(output, data.Length);
        output.AddRange(data);
    }

    private static void Append16(List<byte> output, int value)
    {
        output.Add((byte)(value >> 8));
        output.Add((byte)value);
    }

    private static bool TryParseQuestion(byte[] query, out string name, out TestDnsRecordType type, out int questionEnd, out int udpSize)
    {
        name = string.Empty;
        type = 0;
        questionEnd = 0;
        udpSize = 512;
        if (query.Length < 17 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1)
        {
            return false;
        }

        var builder = new StringBuilder();
        var pos = 12;
        while (pos < query.Length && query[pos] != 0)
        {
            int length = query[pos];
            if (length > 63 || pos + 1 + length >= query.Length)
            {
                return false;
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(Encoding.UTF8.GetString(query, pos + 1, length));
            pos += 1 + length;
        }

        pos++;
        if (pos + 4 > query.Length)
        {
            return false;
        }

        name = builder.ToString();
        type = (TestDnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(pos));
        questionEnd = pos + 4;

        // EDNS0 (RFC 6891 section 6.2.3): the requestor's payload size, at least 512.
        var additional = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(10));
        if (additional > 0 && questionEnd + 11 <= query.Length && query[questionEnd] == 0
            && BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(questionEnd + 1)) == 41)
        {
            udpSize = Math.Max(512, (int)BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(questionEnd + 3)));
        }

        return true;
    }
}
