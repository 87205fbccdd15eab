using System.Net;
using System.Net.Http.Json;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Node;

/// <summary>The node behind an HTTPS proxy: forwarded headers count from the proxies named in Http:TrustedProxies only.</summary>
public sealed class TrustedProxyHeadersTests
{
    [Fact]
    public async Task FromATrustedProxyTheForwardedClientAddressIsWhatTheRateLimitCountsAndHttpsIsSeen()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var node = await StartAsync(database.ConnectionString, trusted: "127.0.0.1/32");
        using var http = new HttpClient { BaseAddress = node.Address };

        // One login attempt per minute and client: the second from one client is refused, a
        // different client behind the same proxy still has its own.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(http, "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(http, "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(http, "198.51.100.20")).StatusCode);

        // The proxy spoke HTTPS with the client: HSTS goes out (RFC 6797 section 7.2: never over plain HTTP).
        Assert.True((await GetRootAsync(http, "https")).Headers.Contains("Strict-Transport-Security"));
        Assert.False((await GetRootAsync(http, "http")).Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task FromAnyOtherPeerForwardedHeadersAreIgnored()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var node = await StartAsync(database.ConnectionString, trusted: "10.0.0.5/32");
        using var http = new HttpClient { BaseAddress = node.Address };

        // The test's loopback address is not the named proxy: a client cannot claim other addresses.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(http, "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(http, "198.51.100.20")).StatusCode);
        Assert.False((await GetRootAsync(http, "https")).Headers.Contains("Strict-Transport-Security"));
    }

    private static async Task<HttpResponseMessage> LoginAsync(HttpClient http, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/auth/login", UriKind.Relative))
        {
            Content = JsonContent.Create(new { email = "nobody@example.com", password = "not the password 123" }),
        };
        request.Headers.Add("X-Forwarded-For", client);
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetRootAsync(HttpClient http, string scheme)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("X-Forwarded-Proto", scheme);
        return await http.SendAsync(request);
    }

    private static Task<InProcessNode> StartAsync(string connectionString, string trusted) =>
        InProcessNode.StartAsync(connectionString, extra: new Dictionary<string, string?>
        {
            ["Http:TrustedProxies:0"] = trusted,
            ["Portal:RateLimits:LoginPerMinute"] = "1",
        });
}
