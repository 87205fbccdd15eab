namespace HostedMail.Net.Tests;

public sealed class ServerCertificateSelectorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hostedmail-certs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void PemPairsAreLoadedAndChosenBySniWithWildcardAndDefault()
    {
        var first = TestCertificates.WritePem(TestCertificates.Create("mail.example.test", "smtp.example.test"), _directory);
        var second = TestCertificates.WritePem(TestCertificates.Create("*.customer.test"), _directory);
        var selector = ServerCertificateSelector.FromPemFiles([first, second]);
        Assert.True(selector.HasCertificates);
        Assert.Equal("CN=mail.example.test", selector.Select("SMTP.example.test.")!.TargetCertificate.Subject);
        Assert.Equal("CN=*.customer.test", selector.Select("imap.customer.test")!.TargetCertificate.Subject);
        Assert.Equal("CN=mail.example.test", selector.Select("a.b.customer.test")!.TargetCertificate.Subject);
        Assert.Equal("CN=mail.example.test", selector.Select(null)!.TargetCertificate.Subject);
        Assert.True(selector.Select(null)!.TargetCertificate.HasPrivateKey);
    }

    [Fact]
    public void EmptySelectorHasNoCertificates()
    {
        Assert.False(new ServerCertificateSelector([]).HasCertificates);
    }
}
