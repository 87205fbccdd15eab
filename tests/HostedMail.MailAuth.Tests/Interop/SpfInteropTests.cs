using System.Net;
using System.Text;
using HostedMail.Dns;
using HostedMail.MailAuth.Spf;
using HostedMail.Testing.Dns;

namespace HostedMail.MailAuth.Tests.Interop;

/// <summary>Our SPF results agree with python3-spf (pyspf) on the same zones served over loopback DNS.</summary>
public sealed class SpfInteropTests
{
    private static void Zone(TestDnsServer dns)
    {
        dns.Add("example.com", TestDnsRecord.Txt("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx a:relay.example.com include:_spf.example.net ~all"),
            TestDnsRecord.Mx(10, "mx.example.com"));
        dns.Add("mx.example.com", TestDnsRecord.A("198.51.100.10"), TestDnsRecord.Aaaa("2001:db8:ffff::10"));
        dns.Add("relay.example.com", TestDnsRecord.A("198.51.100.20"));
        dns.Add("_spf.example.net", TestDnsRecord.Txt("v=spf1 ip4:203.0.113.0/25 -all"));
        dns.Add("strict.example", TestDnsRecord.Txt("v=spf1 -all"));
        dns.Add("neutral.example", TestDnsRecord.Txt("v=spf1 ?all"));
        dns.Add("redirect.example", TestDnsRecord.Txt("v=spf1 redirect=example.com"));
        dns.Add("two.example", TestDnsRecord.Txt("v=spf1 -all"), TestDnsRecord.Txt("v=spf1 +all"));
        dns.Add("syntax.example", TestDnsRecord.Txt("v=spf1 ip4:192.0.2.300 -all"));
        dns.Add("macro.example", TestDnsRecord.Txt("v=spf1 exists:%{ir}.%{l1r-}.allow.macro.example -all"));
        dns.Add("1.2.0.192.jane.allow.macro.example", TestDnsRecord.A("127.0.0.2"));
        dns.Add("ptr.example", TestDnsRecord.Txt("v=spf1 ptr -all"));
        dns.Add("7.2.0.192.in-addr.arpa", TestDnsRecord.Ptr("host.ptr.example"));
        dns.Add("host.ptr.example", TestDnsRecord.A("192.0.2.7"));
        dns.Add("loop.example", TestDnsRecord.Txt("v=spf1 include:loop.example -all"));
        dns.Add("void.example", TestDnsRecord.Txt("v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all"));
        dns.Add("broken.example", TestDnsRecord.Txt("v=spf1 include:servfail.example -all"));
        dns.Fail("servfail.example", TestDnsFailure.ServerFailure);
        dns.Add("cname.example", TestDnsRecord.Txt("v=spf1 a:alias.cname.example -all"));
        dns.Add("alias.cname.example", TestDnsRecord.Cname("target.cname.example"));
        dns.Add("target.cname.example", TestDnsRecord.A("192.0.2.99"));
    }

    private static readonly (string Ip, string Sender, string Helo)[] Cases =
    [
        ("192.0.2.1", "alice@example.com", "mail.example.com"),
        ("2001:db8::1", "alice@example.com", "mail.example.com"),
        ("198.51.100.10", "alice@example.com", "mx.example.com"),
        ("2001:db8:ffff::10", "alice@example.com", "mx.example.com"),
        ("198.51.100.20", "alice@example.com", "relay.example.com"),
        ("203.0.113.5", "alice@example.com", "x.example.net"),
        ("203.0.113.200", "alice@example.com", "x.example.net"),
        ("198.51.100.99", "bob@strict.example", "x.example"),
        ("198.51.100.99", "bob@neutral.example", "x.example"),
        ("192.0.2.1", "bob@redirect.example", "x.example"),
        ("198.51.100.99", "bob@redirect.example", "x.example"),
        ("192.0.2.1", "bob@two.example", "x.example"),
        ("192.0.2.1", "bob@syntax.example", "x.example"),
        ("192.0.2.1", "jane@macro.example", "x.example"),
        ("192.0.2.1", "john@macro.example", "x.example"),
        ("192.0.2.7", "p@ptr.example", "x.example"),
        ("192.0.2.8", "p@ptr.example", "x.example"),
        ("192.0.2.1", "l@loop.example", "x.example"),
        ("192.0.2.1", "v@void.example", "x.example"),
        ("192.0.2.1", "b@broken.example", "x.example"),
        ("192.0.2.99", "c@cname.example", "x.example"),
        ("192.0.2.1", "n@nonexistent.example", "x.example"),
        ("192.0.2.1", "", "strict.example"),
    ];

    [Fact]
    public async Task ResultsAgreeWithPyspf()
    {
        ExternalTool.Require(ExternalTool.Python, "python3");
        await using var dns = TestDnsServer.Start();
        Zone(dns);
        var script = new StringBuilder(ExternalTool.DnsPrelude(dns.EndPoint));
        script.Append("try:\n    import spf\nexcept ImportError:\n    raise SystemExit('python3-spf is not installed: apt-get install -y python3-spf')\n");
        foreach (var (ip, sender, helo) in Cases)
        {
            script.Append($"print(spf.check2(i='{ip}', s='{sender}', h='{helo}')[0])\n");
        }

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", script.ToString()], null);
        Assert.True(exit == 0, $"pyspf failed ({exit}): {stdout} {stderr}");
        var theirs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Cases.Length, theirs.Length);

        var verifier = new SpfVerifier(new DnsResolver(new DnsResolverOptions { Servers = [dns.EndPoint], Timeout = TimeSpan.FromSeconds(2) }));
        var disagreements = new List<string>();
        for (var i = 0; i < Cases.Length; i++)
        {
            var (ip, sender, helo) = Cases[i];
            var ours = await verifier.VerifyMailFromAsync(IPAddress.Parse(ip), sender, helo);
            if (ours.Status.ToKeyword() != theirs[i].Trim())
            {
                disagreements.Add($"{ip} {sender} {helo}: ours {ours.Status.ToKeyword()} ({ours.Reason}), pyspf {theirs[i]}");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
    }
}
