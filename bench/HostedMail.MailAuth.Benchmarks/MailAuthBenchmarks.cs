using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Spf;
using HostedMail.Testing.Dns;

namespace HostedMail.MailAuth.Benchmarks;

/// <summary>DKIM sign/verify of a 50 KB message and SPF evaluation with a warm resolver cache.</summary>
[MemoryDiagnoser]
public class MailAuthBenchmarks
{
    private DkimSigningKey _key = null!;
    private byte[] _message = [];
    private byte[] _signed = [];
    private DkimSigner _signer = null!;
    private DkimVerifier _verifier = null!;
    private TestDnsServer _dns = null!;
    private SpfVerifier _spf = null!;
    private readonly IPAddress _client = IPAddress.Parse("203.0.113.77");

    [GlobalSetup]
    public void Setup()
    {
        _key = DkimSigningKey.Generate("example.com", "bench");
        var body = new StringBuilder();
        var line = 0;
        while (body.Length < 50 * 1024)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"Line {line++}: the quick brown fox jumps over the lazy dog  \r\n");
        }

        _message = Encoding.ASCII.GetBytes(
            "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Benchmark\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n" +
            "Message-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body);
        _signer = new DkimSigner();
        _signed = [.. _signer.Sign(_message, _key), .. _message];
        _verifier = new DkimVerifier(new StaticResolver(_key.DnsName, _key.DnsTxtValue));

        _dns = TestDnsServer.Start();
        _dns.Add("example.com", TestDnsRecord.Txt("v=spf1 ip4:192.0.2.0/24 mx a:relay.example.com include:_spf.example.net include:_spf2.example.net -all"),
            TestDnsRecord.Mx(10, "mx.example.com"));
        _dns.Add("mx.example.com", TestDnsRecord.A("198.51.100.10") with { Ttl = 86400 });
        _dns.Add("relay.example.com", TestDnsRecord.A("198.51.100.20") with { Ttl = 86400 });
        _dns.Add("_spf.example.net", TestDnsRecord.Txt("v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all") with { Ttl = 86400 });
        _dns.Add("_spf2.example.net", TestDnsRecord.Txt("v=spf1 ip4:203.0.113.0/24 -all") with { Ttl = 86400 });
        var resolver = new DnsResolver(new DnsResolverOptions { Servers = [_dns.EndPoint] });
        _spf = new SpfVerifier(resolver);
        var warm = _spf.CheckHostAsync(_client, "example.com", "alice@example.com", "mail.example.com").GetAwaiter().GetResult();
        if (warm.Status != AuthStatus.Pass)
        {
            throw new InvalidOperationException($"SPF warm-up gave {warm.Status}: {warm.Reason}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        _dns.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public byte[] DkimSign50KB() => _signer.Sign(_message, _key);

    [Benchmark]
    public Task<IReadOnlyList<DkimResult>> DkimVerify50KB() => _verifier.VerifyAsync(_signed);

    [Benchmark]
    public Task<SpfResult> SpfWarmCache() => _spf.CheckHostAsync(_client, "example.com", "alice@example.com", "mail.example.com");

    private sealed class StaticResolver(string name, string txt) : IDnsResolver
    {
        private readonly DnsAnswer _answer = new(name, DnsRecordType.TXT, DnsStatus.Success, [new TxtRecord(name, 300, [txt])], name, false);

        public Task<DnsAnswer> QueryAsync(string queryName, DnsRecordType type, CancellationToken cancellationToken = default) =>
            Task.FromResult(_answer);
    }
}
