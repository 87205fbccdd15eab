using System.Text;
using HostedMail.Testing.Corpus;

namespace HostedMail.Mime.Tests.RealWorld;

/// <summary>The generated corpus is what the other corpus tests rely on: deterministic, varied, and as large as promised.</summary>
public class CorpusGeneratorTests
{
    private static readonly IReadOnlyList<CorpusMessage> Corpus = RealWorldCorpus.Generate();

    [Fact]
    public void TheSameSeedGivesTheSameBytesAndAShorterRunIsAPrefix()
    {
        var again = RealWorldCorpus.Generate(120);
        for (int i = 0; i < again.Count; i++)
        {
            Assert.Equal(Corpus[i].Name, again[i].Name);
            Assert.Equal(Corpus[i].Bytes, again[i].Bytes);
        }

        var other = RealWorldCorpus.Generate(60, seed: 7);
        Assert.Contains(other, m => !m.Bytes.AsSpan().SequenceEqual(Corpus[int.Parse(m.Name[..4], System.Globalization.CultureInfo.InvariantCulture)].Bytes));
    }

    [Fact]
    public void AThousandMessagesCoverEveryShapeWithUniqueNames()
    {
        Assert.Equal(1000, Corpus.Count);
        Assert.Equal(Corpus.Count, Corpus.Select(m => m.Name).Distinct().Count());
        Assert.Equal(RealWorldCorpus.Shapes.Order(), Corpus.Select(m => m.Shape).Distinct().Order());
        Assert.True(RealWorldCorpus.Shapes.Count >= 50);
    }

    [Fact]
    public void AFewLargeMessagesAreBetweenOneAndFiveMebibytes()
    {
        var large = Corpus.Where(m => m.Shape == "large-attachment").ToList();
        Assert.Equal(5, large.Count);
        Assert.All(large, m => Assert.InRange(m.Bytes.Length, 1 << 20, 5 << 20));
        Assert.All(Corpus.Where(m => m.Shape != "large-attachment"), m => Assert.True(m.Bytes.Length < 1 << 20, m.Name));
    }

    [Fact]
    public void DateFormsIncludeEveryRequiredZoneAndTheBrokenOnes()
    {
        string all = string.Join("\n", Corpus.Select(m => Encoding.Latin1.GetString(m.Bytes, 0, Math.Min(m.Bytes.Length, 8192))));
        foreach (string zone in new[] { "+0200", "-0500", "+0530", "+1245", "-0000", "+1400", " EST", " PDT", " UT", " GMT", " Z\r\n", "(CET)", "yesterday" })
        {
            Assert.Contains(zone, all, StringComparison.Ordinal);
        }

        Assert.Contains(Corpus, m => !Encoding.Latin1.GetString(m.Bytes).Contains("\nDate:", StringComparison.OrdinalIgnoreCase) && !Encoding.Latin1.GetString(m.Bytes).StartsWith("Date:", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void LineEndingVariantsAreFlaggedAndTheRestIsSmtpTransparent()
    {
        Assert.All(Corpus.Where(m => m.Shape is "bare-lf" or "mixed-line-endings"), m => Assert.True(m.HasBareLineFeeds, m.Name));
        Assert.All(Corpus.Where(m => m.Shape is not ("bare-lf" or "mixed-line-endings" or "binary-transfer-encoding" or "long-folded-headers" or "headers-only-no-body" or "bad-quoted-printable")), m => Assert.True(m.SmtpTransparent, m.Name));
        Assert.Contains(Corpus, m => m.HasEightBitHeaders);
        byte[] canonical = Corpus.First(m => m.Shape == "mixed-line-endings").CanonicalCrLf();
        Assert.DoesNotContain((byte)'\n', canonical.Where((b, i) => b == '\n' && (i == 0 || canonical[i - 1] != '\r')));
    }

    [Fact]
    public void EveryCharsetAndEncodedWordFormIsPresent()
    {
        string all = string.Join("\n", Corpus.Select(m => Encoding.Latin1.GetString(m.Bytes, 0, Math.Min(m.Bytes.Length, 16384))));
        foreach (string charset in new[] { "utf-8", "iso-8859-1", "iso-8859-15", "windows-1252", "koi8-r", "iso-2022-jp", "gb2312", "gbk", "big5", "shift_jis" })
        {
            Assert.Contains($"=?{charset}?B?", all, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"=?{charset}?Q?", all, StringComparison.OrdinalIgnoreCase);
        }

        foreach (string form in new[] { "filename*=", "filename*0*=", "name*0=", "multipart/signed", "application/pkcs7-signature", "application/pgp-signature", "message/delivery-status", "multipart/related", "multipart/alternative", "message/rfc822", "text/calendar", "application/ms-tnef", "vnd.openxmlformats", "List-Unsubscribe", "Content-Transfer-Encoding: binary" })
        {
            Assert.Contains(form, all, StringComparison.Ordinal);
        }
    }
}
