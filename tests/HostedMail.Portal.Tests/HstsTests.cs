using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HostedMail.Portal.Tests;

/// <summary>
/// Served over TLS, every response carries Strict-Transport-Security (RFC 6797 section 6.1), the
/// app's pages, its files, the API and its errors alike; WebAppTests shows plain HTTP never does
/// (section 7.2).
/// </summary>
public sealed class HstsTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("hostedmail-web-").FullName;
    private readonly X509Certificate2 _certificate = SelfSigned();
    private PortalHost _host = null!;
    private HttpClient _https = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_root, "index.html"), "<!doctype html><title>HostedMail</title><div id=root></div>");
        Directory.CreateDirectory(Path.Combine(_root, "assets"));
        File.WriteAllText(Path.Combine(_root, "assets", "index-abc123.js"), "console.log('app')");
        _host = new PortalHost(new() { ["Portal:WebRoot"] = _root }, _certificate);
        await _host.InitializeAsync();
        // Trust exactly the test's certificate.
        _https = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == _certificate.Thumbprint,
        }) { BaseAddress = _host.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _https.Dispose();
        await _host.DisposeAsync();
        _certificate.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("/", HttpStatusCode.OK)]
    [InlineData("/domains/12", HttpStatusCode.OK)]
    [InlineData("/assets/index-abc123.js", HttpStatusCode.OK)]
    [InlineData("/api/v1/openapi.json", HttpStatusCode.OK)]
    [InlineData("/api/v1/tenant", HttpStatusCode.Unauthorized)]
    [InlineData("/api/v1/no-such-route", HttpStatusCode.NotFound)]
    [InlineData("/.well-known/mta-sts.txt", HttpStatusCode.NotFound)]
    public async Task EveryResponseOverTlsCarriesStrictTransportSecurity(string path, HttpStatusCode status)
    {
        Assert.Equal(Uri.UriSchemeHttps, _host.BaseAddress.Scheme);
        using var response = await _https.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        // A year, and no includeSubDomains: the node also answers on tenants' autoconfig. and
        // mta-sts. names, whose parent domains are the tenants' to decide.
        Assert.Equal("max-age=31536000", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        Assert.Contains("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // SslStream on Linux wants a certificate whose key it can load, not an ephemeral one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
