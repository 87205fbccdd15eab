using System.Net;
using HostedMail.Testing.Dns;

namespace HostedMail.Dns.Tests;

public sealed class ResolverTests : IAsyncLifetime
{
    private readonly TestDnsServer _server = TestDnsServer.Start();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private DnsResolver Resolver(TimeProvider? time = null, bool cache = false, int attempts = 1, TimeSpan? timeout = null, params IPEndPoint[] servers) =>
        new(new DnsResolverOptions
        {
            Servers = servers.Length > 0 ? servers : [_server.EndPoint],
            Attempts = attempts,
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
            EnableCache = cache,
        }, time);

    [Fact]
    public async Task AddressRecordsAreReturned()
    {
        _server.Add("host.example.com", TestDnsRecord.A("192.0.2.1"), TestDnsRecord.A("192.0.2.2"), TestDnsRecord.Aaaa("2001:db8::1"));
        var resolver = Resolver();
        var a = await resolver.QueryAsync("Host.Example.com.", DnsRecordType.A);
        Assert.Equal(DnsStatus.Success, a.Status);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], a.RecordsOf<AddressRecord>().Select(r => r.Address.ToString()));
        var aaaa = await resolver.QueryAsync("host.example.com", DnsRecordType.AAAA);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), Assert.Single(aaaa.RecordsOf<AddressRecord>()).Address);
    }

    [Fact]
    public async Task TxtCharacterStringsAreJoinedWithoutSeparator()
    {
        _server.Add("example.com", TestDnsRecord.Txt("v=spf1 ", "ip4:192.0.2.0/24 ", "-all"), TestDnsRecord.Txt(new string('k', 600)));
        var (answer, texts) = await Resolver().QueryTxtAsync("example.com");
        Assert.Equal(DnsStatus.Success, answer.Status);
        Assert.Contains("v=spf1 ip4:192.0.2.0/24 -all", texts);
        Assert.Contains(new string('k', 600), texts);
        Assert.Equal(3, answer.RecordsOf<TxtRecord>().Single(r => r.Text.StartsWith('k')).Strings.Count);
    }

    [Fact]
    public async Task MxPtrSrvTlsaNsAndSoaAreDecoded()
    {
        _server.Add("example.com", TestDnsRecord.Mx(20, "mx2.example.com"), TestDnsRecord.Mx(10, "mx1.example.com"), TestDnsRecord.Ns("ns1.example.net"),
            TestDnsRecord.Soa("ns1.example.net", "hostmaster.example.com", 2026112201, 300));
        _server.Add("1.2.0.192.in-addr.arpa", TestDnsRecord.Ptr("mail.example.com"));
        _server.Add("_imaps._tcp.example.com", TestDnsRecord.Srv(0, 1, 993, "imap.example.com"));
        _server.Add("_25._tcp.mx1.example.com", TestDnsRecord.Tlsa(3, 1, 1, [1, 2, 3, 4]));
        var resolver = Resolver();

        var (_, mx) = await resolver.QueryMxAsync("example.com");
        Assert.Equal(["mx1.example.com", "mx2.example.com"], mx.Select(m => m.Exchange));
        var (_, ptr) = await resolver.QueryPtrAsync(IPAddress.Parse("192.0.2.1"));
        Assert.Equal("mail.example.com", Assert.Single(ptr));
        var srv = Assert.Single((await resolver.QueryAsync("_imaps._tcp.example.com", DnsRecordType.SRV)).RecordsOf<SrvRecord>());
        Assert.Equal((993, "imap.example.com"), (srv.Port, srv.Target));
        var tlsa = Assert.Single((await resolver.QueryAsync("_25._tcp.mx1.example.com", DnsRecordType.TLSA)).RecordsOf<TlsaRecord>());
        Assert.Equal((3, 1, 1), (tlsa.Usage, tlsa.Selector, tlsa.MatchingType));
        Assert.Equal([1, 2, 3, 4], tlsa.Data.ToArray());
        var ns = Assert.Single((await resolver.QueryAsync("example.com", DnsRecordType.NS)).RecordsOf<NameRecord>());
        Assert.Equal("ns1.example.net", ns.Target);
        var soa = Assert.Single((await resolver.QueryAsync("example.com", DnsRecordType.SOA)).RecordsOf<SoaRecord>());
        Assert.Equal((2026112201u, 300u, "hostmaster.example.com"), (soa.Serial, soa.Minimum, soa.ResponsibleMailbox));
    }

    [Fact]
    public async Task CnameChainsAreFollowed()
    {
        _server.Add("www.example.com", TestDnsRecord.Cname("edge.example.net"));
        _server.Add("edge.example.net", TestDnsRecord.Cname("final.example.org"));
        _server.Add("final.example.org", TestDnsRecord.A("192.0.2.7"));
        var answer = await Resolver().QueryAsync("www.example.com", DnsRecordType.A);
        Assert.Equal(DnsStatus.Success, answer.Status);
        Assert.Equal("final.example.org", answer.CanonicalName);
        Assert.Equal("192.0.2.7", Assert.Single(answer.RecordsOf<AddressRecord>()).Address.ToString());
        var cname = await Resolver().QueryAsync("www.example.com", DnsRecordType.CNAME);
        Assert.Equal("edge.example.net", Assert.Single(cname.RecordsOf<NameRecord>()).Target);
    }

    [Fact]
    public async Task CnameLoopIsAServerFailureNotAHang()
    {
        _server.Add("a.loop.example", TestDnsRecord.Cname("b.loop.example"));
        _server.Add("b.loop.example", TestDnsRecord.Cname("a.loop.example"));
        var answer = await Resolver().QueryAsync("a.loop.example", DnsRecordType.A);
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
    }

    [Fact]
    public async Task NxDomainNoDataServFailAndTimeoutStayDistinct()
    {
        _server.Add("exists.example.com", TestDnsRecord.A("192.0.2.1"));
        _server.Add("deep.ent.example.com", TestDnsRecord.A("192.0.2.1"));
        _server.Fail("broken.example.com", TestDnsFailure.ServerFailure);
        _server.Fail("refused.example.com", TestDnsFailure.Refused);
        _server.Fail("silent.example.com", TestDnsFailure.Timeout);
        var resolver = Resolver(timeout: TimeSpan.FromMilliseconds(300));

        Assert.Equal(DnsStatus.NoData, (await resolver.QueryAsync("exists.example.com", DnsRecordType.MX)).Status);
        Assert.Equal(DnsStatus.NoData, (await resolver.QueryAsync("ent.example.com", DnsRecordType.A)).Status);
        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("missing.example.com", DnsRecordType.A)).Status);
        Assert.Equal(DnsStatus.ServerFailure, (await resolver.QueryAsync("broken.example.com", DnsRecordType.A)).Status);
        Assert.Equal(DnsStatus.ServerFailure, (await resolver.QueryAsync("refused.example.com", DnsRecordType.A)).Status);
        var timeout = await resolver.QueryAsync("silent.example.com", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.Timeout, timeout.Status);
        Assert.True(timeout.IsTransientError);
    }

    [Fact]
    public async Task NamesThatCannotExistAreNxDomainWithoutAQuery()
    {
        var answer = await Resolver().QueryAsync(new string('a', 64) + ".example.com", DnsRecordType.A);
        Assert.Equal(DnsStatus.NxDomain, answer.Status);
        Assert.Empty(_server.Queries);
    }

    [Fact]
    public async Task TheNextServerIsTriedWhenOneIsSilent()
    {
        await using var silent = TestDnsServer.Start();
        silent.Fail("example.com", TestDnsFailure.Timeout);
        _server.Add("example.com", TestDnsRecord.A("192.0.2.9"));
        var resolver = Resolver(timeout: TimeSpan.FromMilliseconds(300), servers: [silent.EndPoint, _server.EndPoint]);
        var answer = await resolver.QueryAsync("example.com", DnsRecordType.A);
        Assert.Equal(DnsStatus.Success, answer.Status);
        Assert.Single(silent.Queries);
    }

    [Fact]
    public async Task ServFailFromOneServerFallsThroughToTheNext()
    {
        await using var failing = TestDnsServer.Start();
        failing.Fail("example.com", TestDnsFailure.ServerFailure);
        _server.Add("example.com", TestDnsRecord.A("192.0.2.9"));
        var answer = await Resolver(servers: [failing.EndPoint, _server.EndPoint]).QueryAsync("example.com", DnsRecordType.A);
        Assert.Equal(DnsStatus.Success, answer.Status);
    }

    [Fact]
    public async Task AttemptsRepeatTheRoundOverServers()
    {
        _server.Fail("example.com", TestDnsFailure.Timeout);
        var answer = await Resolver(attempts: 3, timeout: TimeSpan.FromMilliseconds(150)).QueryAsync("example.com", DnsRecordType.A);
        Assert.Equal(DnsStatus.Timeout, answer.Status);
        Assert.Equal(3, _server.Queries.Count);
    }

    [Fact]
    public async Task TruncatedUdpAnswersAreRetriedOverTcp()
    {
        _server.AlwaysTruncateUdp = true;
        _server.Add("example.com", TestDnsRecord.Txt("hello"));
        var answer = await Resolver().QueryAsync("example.com", DnsRecordType.TXT);
        Assert.Equal("hello", Assert.Single(answer.RecordsOf<TxtRecord>()).Text);
        Assert.Equal([false, true], _server.Queries.Select(q => q.OverTcp));
    }

    [Fact]
    public async Task AnswersLargerThanTheEdnsSizeComeOverTcp()
    {
        for (var i = 0; i < 20; i++)
        {
            _server.Add("big.example.com", TestDnsRecord.Txt($"{i:D2}" + new string('x', 200)));
        }

        var answer = await Resolver().QueryAsync("big.example.com", DnsRecordType.TXT);
        Assert.Equal(20, answer.Records.Count);
        Assert.Contains(_server.Queries, q => q.OverTcp);
    }

    [Fact]
    public async Task TheAdBitIsReported()
    {
        _server.AuthenticatedData = true;
        _server.Add("_25._tcp.mx.example.com", TestDnsRecord.Tlsa(3, 1, 1, [9]));
        Assert.True((await Resolver().QueryAsync("_25._tcp.mx.example.com", DnsRecordType.TLSA)).AuthenticatedData);
        _server.AuthenticatedData = false;
        Assert.False((await Resolver().QueryAsync("_25._tcp.mx.example.com", DnsRecordType.TLSA)).AuthenticatedData);
    }

    [Fact]
    public async Task PositiveAnswersAreCachedForTheirTtl()
    {
        var time = new ManualTimeProvider();
        _server.Add("example.com", TestDnsRecord.A("192.0.2.1") with { Ttl = 120 });
        var resolver = Resolver(time, cache: true);
        await resolver.QueryAsync("example.com", DnsRecordType.A);
        time.Advance(TimeSpan.FromSeconds(119));
        _server.Remove("example.com");
        Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync("EXAMPLE.com", DnsRecordType.A)).Status);
        Assert.Single(_server.Queries);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
        Assert.Equal(2, _server.Queries.Count);
    }

    [Fact]
    public async Task NegativeAnswersAreCachedForTheSoaMinimum()
    {
        var time = new ManualTimeProvider();
        _server.NegativeTtl = 30;
        var resolver = Resolver(time, cache: true);
        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("_verify.example.com", DnsRecordType.TXT)).Status);
        _server.Add("_verify.example.com", TestDnsRecord.Txt("token"));
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(DnsStatus.NxDomain, (await resolver.QueryAsync("_verify.example.com", DnsRecordType.TXT)).Status);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync("_verify.example.com", DnsRecordType.TXT)).Status);
        Assert.Equal(2, _server.Queries.Count);
    }

    [Fact]
    public async Task FailuresAreNotCachedByDefault()
    {
        var resolver = Resolver(new ManualTimeProvider(), cache: true);
        _server.Fail("example.com", TestDnsFailure.ServerFailure);
        Assert.Equal(DnsStatus.ServerFailure, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
        _server.Clear();
        _server.Add("example.com", TestDnsRecord.A("192.0.2.1"));
        Assert.Equal(DnsStatus.Success, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
    }

    [Fact]
    public void ResolvConfIsParsed()
    {
        var options = DnsResolverOptions.ParseResolvConf("# comment\nnameserver 10.0.0.1\nnameserver ::1\nsearch example.com\noptions timeout:2 attempts:3 rotate\n");
        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53), new IPEndPoint(IPAddress.IPv6Loopback, 53)], options.Servers);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Timeout);
        Assert.Equal(3, options.Attempts);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], DnsResolverOptions.ParseResolvConf("").Servers);
    }

    [Fact]
    public void ReverseNamesFollowInAddrAndIp6Arpa()
    {
        Assert.Equal("4.3.2.1.in-addr.arpa", DnsResolverExtensions.ReverseName(IPAddress.Parse("1.2.3.4")));
        Assert.Equal("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DnsResolverExtensions.ReverseName(IPAddress.Parse("2001:db8::1")));
    }
}
