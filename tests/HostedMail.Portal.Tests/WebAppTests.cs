using System.Net;

namespace HostedMail.Portal.Tests;

/// <summary>The web app hosting (WebApp.cs): security headers everywhere, static files, the client-route fallback and where it must not apply.</summary>
public sealed class WebAppTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("hostedmail-web-").FullName;
    private PortalHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_root, "index.html"), "<!doctype html><title>HostedMail</title><div id=root></div>");
        Directory.CreateDirectory(Path.Combine(_root, "assets"));
        File.WriteAllText(Path.Combine(_root, "assets", "index-abc123.js"), "console.log('app')");
        _host = new PortalHost(new() { ["Portal:WebRoot"] = _root });
        await _host.InitializeAsync();
        _http = new HttpClient { BaseAddress = _host.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/domains/12")]
    [InlineData("/confirm-email")]
    [InlineData("/api/v1/tenant")]
    [InlineData("/api/v1/no-such-route")]
    [InlineData("/api/v1/openapi.json")]
    [InlineData("/.well-known/mta-sts.txt")]
    [InlineData("/assets/index-abc123.js")]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path)
    {
        using var response = await _http.GetAsync(path);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("style-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        // Plain HTTP: HSTS is only meaningful, and only sent, over TLS (RFC 6797 section 7.2).
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/domains")]
    [InlineData("/mailboxes/3/setup")]
    [InlineData("/reset-password")]
    public async Task ClientRoutesGetTheAppsIndexUncached(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=root>", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task HashedAssetsAreServedAndCachedForever()
    {
        using var response = await _http.GetAsync("/assets/index-abc123.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("console.log('app')", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
    }

    [Theory]
    [InlineData("/api/v1/no-such-route")]
    [InlineData("/api/v2/domains")]
    [InlineData("/.well-known/unknown")]
    [InlineData("/autodiscover/unknown")]
    [InlineData("/mail/unknown")]
    [InlineData("/assets/missing.js")]
    public async Task ServerPathsNeverFallBackToTheApp(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("<div id=root>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownApiRoutesStayProblemDetailsAndWrongMethodsStay405()
    {
        using var unknown = await _http.GetAsync("/api/v1/no-such-route");
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        using var wrongMethod = await _http.PutAsync("/api/v1/domains", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        using var post = await _http.PostAsync("/domains", null);
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
    }
}
