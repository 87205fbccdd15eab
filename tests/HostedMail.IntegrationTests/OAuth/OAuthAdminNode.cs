using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using HostedMail.Core.Accounts;
using HostedMail.Core.Security;
using HostedMail.Identity.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// The OAuth node with what the registration and grant tests need besides: a small registration
/// budget (each test registers from its own loopback address, so budgets do not mix), portal
/// cookies over plain HTTP, and helpers for tenants with a signed-in owner.
/// </summary>
public sealed class OAuthAdminNode : OAuthNode
{
    public const int RegistrationsPerHour = 5;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["OAuth:Registration:PerHour"] = RegistrationsPerHour.ToString(CultureInfo.InvariantCulture);
        settings["Portal:SecureCookies"] = "false";
        settings["Portal:DomainChecks:Enabled"] = "false";
        settings["Portal:RateLimits:LoginPerMinute"] = "1000";
        return settings;
    }

    /// <summary>An HTTP client to the node whose connections come from <paramref name="source"/> (any 127.x address on Linux).</summary>
    public HttpClient ClientFrom(string source, CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = new Uri(Issuer),
        };

    /// <summary>
    /// A new tenant <paramref name="slug"/> with the verified domain <c>slug.example</c>, the
    /// mailboxes <paramref name="localParts"/> (password <see cref="MailNode.Password"/>) and an
    /// owner signed in to the portal: the returned client carries the session cookie and CSRF header.
    /// </summary>
    public async Task<OAuthTenant> TenantAsync(string slug, params string[] localParts)
    {
        var accounts = Services.GetRequiredService<AccountService>();
        var owner = $"owner@{slug}-owner.example";
        var signUp = await accounts.SignUpAsync(slug, null, owner, Password, "Owner", null);
        Assert.True(await accounts.ConfirmEmailAsync(signUp.ConfirmationToken, null));
        var tenant = signUp.TenantId.ToString(CultureInfo.InvariantCulture);
        await Cli.OkAsync("domain", "add", slug + ".example", "--tenant", tenant, "--verified");
        foreach (var local in localParts)
        {
            await Cli.OkAsync("mailbox", "create", $"{local}@{slug}.example", "--tenant", tenant, "--password", Password);
        }

        var portal = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = new Uri(Issuer) };
        var login = await portal.PostAsJsonAsync("api/v1/auth/login", new { email = owner, password = Password });
        var session = JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement;
        Assert.True(login.IsSuccessStatusCode, session.ToString());
        portal.DefaultRequestHeaders.Add("X-CSRF-Token", session.GetProperty("csrfToken").GetString());
        return new OAuthTenant(signUp.TenantId, portal);
    }

    public Task<MailAccessTokenCheck> CheckTokenAsync(string accessToken) =>
        Services.GetRequiredService<IMailAccessTokenValidator>().ValidateAsync(accessToken, CancellationToken.None);
}

/// <summary>A tenant made by <see cref="OAuthAdminNode.TenantAsync"/> and its owner's portal session.</summary>
public sealed record OAuthTenant(long TenantId, HttpClient Portal)
{
    public async Task<(HttpStatusCode Status, JsonElement Json)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await Portal.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The tenant's audit log entries with <paramref name="action"/>, newest first, read through the audit API.</summary>
    public async Task<List<JsonElement>> AuditAsync(string action)
    {
        var (status, json) = await SendAsync(HttpMethod.Get, "api/v1/audit?limit=200");
        Assert.Equal(HttpStatusCode.OK, status);
        return json.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("action").GetString() == action).ToList();
    }

    public async Task<long> MailboxIdAsync(string address)
    {
        var (status, json) = await SendAsync(HttpMethod.Get, "api/v1/mailboxes");
        Assert.Equal(HttpStatusCode.OK, status);
        return json.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("address").GetString() == address).GetProperty("id").GetInt64();
    }
}
