using System.Net;
using HostedMail.Testing.Dns;

namespace HostedMail.Dns.Tests;

/// <summary>
/// Issue 14, "SMTP with a lossy DNS resolver": a lost UDP datagram costs a hedge (a second query
/// after <see cref="DnsResolverOptions.HedgeDelay"/>), never a whole timeout. The timeouts here are
/// far longer than the tests' deadlines, so only hedging can answer in time; the assertions count
/// queries, not time.
/// </summary>
public sealed class LossyResolverTests : IAsyncLifetime
{
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(60);
    private readonly TestDnsServer _server = TestDnsServer.Start();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private DnsResolver Resolver(int attempts = 4, bool cache = false, TimeProvider? time = null, TimeSpan? hedgeDelay = null) => new(new DnsResolverOptions
    {
        Servers = [_server.EndPoint],
        Attempts = attempts,
        Timeout = LongTimeout,
        HedgeDelay = hedgeDelay ?? TimeSpan.FromMilliseconds(50),
        MinHedgeDelay = hedgeDelay ?? new DnsResolverOptions().MinHedgeDelay,
        EnableCache = cache,
    }, time);

    [Fact]
    public async Task ADroppedQueryIsAnsweredThroughTheHedgeNotAfterTheTimeout()
    {
        _server.Add("example.com", TestDnsRecord.A("192.0.2.1"));
        _server.DropNextQueries(1);
        using var deadline = new CancellationTokenSource(LongTimeout / 4);

        var answer = await Resolver().QueryAsync("example.com", DnsRecordType.A, deadline.Token);

        Assert.Equal(DnsStatus.Success, answer.Status);
        Assert.Equal(1, _server.DroppedQueries);
        Assert.InRange(_server.Queries.Count, 2, 4);
    }

    [Fact]
    public async Task EveryLookupSucceedsWhenAThirdOfTheQueriesAreLost()
    {
        const int names = 40;
        for (var i = 0; i < names; i++)
        {
            _server.Add($"host{i}.example.com", TestDnsRecord.A("192.0.2.1"));
        }

        _server.LossSeed = 14;
        _server.LossRate = 0.33;
        var resolver = Resolver(attempts: 10);
        using var deadline = new CancellationTokenSource(LongTimeout / 2);

        // One message's lookups run together, as the SMTP server runs SPF, DKIM and DMARC.
        var answers = await Task.WhenAll(Enumerable.Range(0, names).Select(i => resolver.QueryAsync($"host{i}.example.com", DnsRecordType.A, deadline.Token)));

        Assert.All(answers, a => Assert.Equal(DnsStatus.Success, a.Status));
        Assert.True(_server.DroppedQueries > 0, "the server lost nothing: the test proves nothing");
        // Each lookup stops at its budget (10 queries): nothing retries forever.
        Assert.All(_server.Queries.GroupBy(q => q.Name), g => Assert.InRange(g.Count(), 1, 10));
    }

    [Fact]
    public async Task TheHedgeDelayIsLearnedFromTheServersRoundTrips()
    {
        // The configured ceiling is as long as the timeout: before the server has answered, a lost
        // query would wait past the deadline. After a few answers the hedge follows the loopback
        // round trip (a millisecond), so the lost query is answered through the hedge at once.
        for (var i = 0; i < 10; i++)
        {
            _server.Add($"warm{i}.example.com", TestDnsRecord.A("192.0.2.1"));
        }

        _server.Add("example.com", TestDnsRecord.A("192.0.2.1"));
        var resolver = new DnsResolver(new DnsResolverOptions
        {
            Servers = [_server.EndPoint],
            Attempts = 4,
            Timeout = LongTimeout,
            HedgeDelay = LongTimeout,
            MinHedgeDelay = TimeSpan.FromMilliseconds(20),
            EnableCache = false,
        });
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync($"warm{i}.example.com", DnsRecordType.A)).Status);
        }

        _server.DropNextQueries(1);
        using var deadline = new CancellationTokenSource(LongTimeout / 4);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.A, deadline.Token);

        Assert.Equal(DnsStatus.Success, answer.Status);
        Assert.Equal(1, _server.DroppedQueries);
    }

    [Fact]
    public async Task AServerThatRefusedIsNotAskedAgainDuringItsHoldDown()
    {
        // A port nobody listens on: the kernel answers every datagram with ICMP port unreachable.
        IPEndPoint closed;
        using (var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = (IPEndPoint)probe.LocalEndPoint!;
        }

        _server.Add("example.com", TestDnsRecord.A("192.0.2.1"));
        var time = new ManualTimeProvider();
        var resolver = new DnsResolver(new DnsResolverOptions
        {
            Servers = [closed, _server.EndPoint],
            Attempts = 3,
            Timeout = LongTimeout,
            HedgeDelay = LongTimeout,
            EnableCache = false,
        }, time);

        // The first lookup learns the refusal and gets its answer from the second server.
        Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
        Assert.Equal(1, resolver.QueriesSentTo(closed));

        // During the hold-down the closed port is skipped: every lookup goes to the live server.
        // (Its count is not asserted: the learned hedge may send a second query under load.)
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
        }

        Assert.Equal(1, resolver.QueriesSentTo(closed));

        // After it, the closed port is asked again (it might be back).
        time.Advance(new DnsResolverOptions().RefusedServerHoldDown + TimeSpan.FromSeconds(1));
        Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
        Assert.Equal(2, resolver.QueriesSentTo(closed));
    }

    [Fact]
    public async Task AServerThatNeverAnswersCostsTheBudgetOfQueriesAndNoMore()
    {
        _server.Fail("silent.example.com", TestDnsFailure.Timeout);
        var resolver = new DnsResolver(new DnsResolverOptions
        {
            Servers = [_server.EndPoint],
            Attempts = 3,
            Timeout = TimeSpan.FromMilliseconds(300),
            HedgeDelay = TimeSpan.FromMilliseconds(20),
        });

        var answer = await resolver.QueryAsync("silent.example.com", DnsRecordType.TXT);

        Assert.Equal(DnsStatus.Timeout, answer.Status);
        Assert.Equal(3, _server.Queries.Count);
    }

    [Fact]
    public async Task NxDomainWithoutAnSoaIsKeptForAFewSecondsOnly()
    {
        // RFC 2308 section 5: such an answer SHOULD NOT be cached; within one message the same
        // name is asked again (SPF includes, DMARC), so it is kept for UnprovenNegativeCacheTtl.
        _server.OmitSoaInNegativeAnswers = true;
        var time = new ManualTimeProvider();
        // Queries are counted: no hedged duplicate may join them (the learned delay is a few
        // milliseconds, which a loaded machine's loopback answer can exceed).
        var resolver = Resolver(cache: true, time: time, hedgeDelay: LongTimeout);

        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("_dmarc.missing.example", DnsRecordType.TXT)).Status);
        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("_dmarc.missing.example", DnsRecordType.TXT)).Status);
        Assert.Single(_server.Queries);

        time.Advance(new DnsResolverOptions().UnprovenNegativeCacheTtl + TimeSpan.FromSeconds(1));
        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("_dmarc.missing.example", DnsRecordType.TXT)).Status);
        Assert.Equal(2, _server.Queries.Count);
    }
}
