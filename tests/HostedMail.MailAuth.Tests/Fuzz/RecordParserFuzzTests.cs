using System.Text;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;
using HostedMail.Testing.Properties;

namespace HostedMail.MailAuth.Tests.Fuzz;

/// <summary>
/// Every record and header parser of MailAuth reads text from DNS or from the message, that is
/// from anyone: arbitrary and mutated input must give a result or a parse error, never an
/// exception. Seeded, so CI replays the same cases (HOSTEDMAIL_FUZZ_SEED explores others).
/// </summary>
public sealed class RecordParserFuzzTests
{
    private const string Specials = "=;:/%{}.!+-~?,() \t\r\n\"\\@|";

    private static readonly string[] SpfSamples =
    [
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24//64 include:_spf.example.net exists:%{ir}.%{l1r+-}._spf.%{d} redirect=_spf.example.org exp=explain.%{d} -all",
        "v=spf1 ptr ?all", "v=spf1 +a:%{d3r}.x ~all", "v=spf1",
    ];

    private static readonly string[] DmarcSamples =
    [
        "v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r; rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; fo=1:d:s; rf=afrf; ri=3600",
        "v=DMARC1; p=none", "v=DMARC1;p=quarantine;pct=0",
    ];

    private static readonly string[] DkimSamples =
    [
        "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=1700000000; x=1800000000; h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==; l=10; z=From:foo|To:bar",
        "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA; t=y:s; s=email; h=sha256",
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    ];

    private static readonly string[] AuthenticationResultsSamples =
    [
        "mx.example.com 1; spf=pass smtp.mailfrom=a@example.com; dkim=pass (good) header.d=example.com header.s=s1; dmarc=fail (p=reject) header.from=example.com; arc=none",
        "example.org; none", "mx (comment \"q\\\" ) (nested (c))) ; auth=pass smtp.auth=alice@example.com",
    ];

    [Fact]
    public void SpfRecordsNeverThrow() => Fuzz(SpfSamples, text => SpfRecordParser.TryParse(text, out _, out _));

    [Fact]
    public void DmarcRecordsNeverThrow() => Fuzz(DmarcSamples, text => DmarcRecord.TryParse(text, out _, out _));

    [Fact]
    public void DkimTagListsAndKeyRecordsNeverThrow() => Fuzz(DkimSamples, text =>
    {
        DkimTagList.TryParse(text, out _, out _);
        foreach (var algorithm in new[] { "rsa-sha256", "ed25519-sha256", "rsa-sha1", "x" })
        {
            Assert.NotNull(DkimPublicKey.Parse(text, algorithm, new DkimVerifierOptions()));
        }
    });

    [Fact]
    public void AuthenticationResultsHeadersNeverThrow() => Fuzz(AuthenticationResultsSamples, text => AuthenticationResultsHeader.TryParse(text, out _));

    [Fact]
    public void RawMessagesNeverThrow()
    {
        var random = new Random(FuzzInput.Seed);
        const string sample = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=x; b=y\r\nFrom: a@example.com\r\n\tfolded\r\nSubject: hi\r\n\r\nbody\r\n";
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = i % 2 == 0 ? FuzzInput.Mutate(random, Encoding.ASCII.GetBytes(sample), Specials) : FuzzInput.RandomBytes(random, 200);
            var message = RawMessage.Parse(bytes);
            Assert.NotNull(message.Headers);
        }
    }

    private static void Fuzz(string[] samples, Action<string> parse)
    {
        var random = new Random(FuzzInput.Seed);
        foreach (var sample in samples)
        {
            parse(sample);
        }

        for (var i = 0; i < 20_000; i++)
        {
            var bytes = i % 4 == 0 ? FuzzInput.RandomBytes(random, 200) : FuzzInput.Mutate(random, Encoding.UTF8.GetBytes(samples[random.Next(samples.Length)]), Specials);
            parse(Encoding.Latin1.GetString(bytes));
        }
    }
}
