using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.Federation;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// The OAuth node with a clock the tests can move forward (real time plus <see cref="OffsetClock.Offset"/>),
/// the portal's public URL on its own listener, and plain-HTTP session cookies, so a test browser
/// walks the whole portal web app single sign-on.
/// </summary>
public sealed class SsoNode : OAuthNode
{
    public OffsetClock Clock { get; } = new();

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Portal:PublicUrl"] = Issuer;
        settings["Portal:SecureCookies"] = "false";
        // Every start and redemption counts against the sign-in budget of 127.0.0.1.
        settings["Portal:RateLimits:LoginPerMinute"] = "1000";
        return settings;
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>The system clock moved by <see cref="Offset"/>: tickets expire without waiting, and timers stay real.</summary>
    public sealed class OffsetClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}

/// <summary>
/// Single sign-on from the portal web app's sign-in page: POST /api/v1/auth/sso, the provider (a
/// second OpenIddict server), the federation callback's one-time ticket, and its redemption into
/// a portal session like a password sign-in makes.
/// </summary>
public sealed class PortalAppSsoTests(SsoNode node) : IClassFixture<SsoNode>
{
    private readonly PortalApiAccess _api = new(node);

    private string CallbackUri => node.Issuer + "connect/federation/callback";

    /// <summary>A tenant (owner with TOTP on) with a verified domain and the test issuer as its provider.</summary>
    private async Task<(PortalApiAccess.Owner Owner, TestOidcIssuer Issuer)> ConnectAsync(string tenant)
    {
        var owner = await _api.NewOwnerAsync(tenant, totp: true);
        await node.Cli.OkAsync("domain", "add", tenant + ".example", "--tenant", tenant, "--verified");
        var issuer = await TestOidcIssuer.StartAsync(CallbackUri);
        var set = await _api.ApiAsync(HttpMethod.Put, "/api/v1/identity-provider", await _api.ApiAccessTokenAsync(owner),
            new { displayName = "Test IdP", issuer = issuer.Issuer, clientId = TestOidcIssuer.ClientId, clientSecret = TestOidcIssuer.ClientSecret });
        Assert.True(set.Status == HttpStatusCode.OK, set.Body);
        return (owner, issuer);
    }

    /// <summary>
    /// The app's SSO button and the provider: POST /api/v1/auth/sso, the start link, the provider's
    /// answer, and the federation callback; returns the callback's answer (a redirect to redemption
    /// on success).
    /// </summary>
    private async Task<HttpResponseMessage> ThroughProviderAsync(OAuthBrowser browser, TestOidcIssuer issuer, string email, string returnTo = "/domains")
    {
        var started = await browser.Http.PostAsJsonAsync("api/v1/auth/sso", new { email, returnTo });
        var body = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.OK, $"{started.StatusCode}: {body}");
        var location = JsonDocument.Parse(body).RootElement.GetProperty("location").GetString()!;
        Assert.StartsWith(node.Issuer + "connect/federation/start?request=", location, StringComparison.Ordinal);
        // The address is sealed in the link, not readable from it.
        Assert.DoesNotContain(Uri.EscapeDataString(email), location, StringComparison.Ordinal);

        var toProvider = await browser.Http.GetAsync(location);
        Assert.True(toProvider.StatusCode == HttpStatusCode.Redirect, $"{toProvider.StatusCode}: {await toProvider.Content.ReadAsStringAsync()}");
        var authorize = toProvider.Headers.Location!.AbsoluteUri;
        Assert.StartsWith(issuer.Issuer + "authorize?", authorize, StringComparison.Ordinal);
        // OpenIddict's code flow: PKCE (S256), state and nonce, and the address as the login hint.
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(authorize).Query);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.False(string.IsNullOrEmpty(query["state"]));
        Assert.False(string.IsNullOrEmpty(query["nonce"]));
        Assert.Equal(email, query["login_hint"]);

        var answer = await browser.Http.GetAsync(authorize);
        Assert.True(answer.StatusCode == HttpStatusCode.Redirect, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        var callback = answer.Headers.Location!.AbsoluteUri;
        Assert.StartsWith(CallbackUri + "?", callback, StringComparison.Ordinal);
        return await browser.Http.GetAsync(callback);
    }

    /// <summary>Through the provider to the redemption URL with its ticket.</summary>
    private async Task<string> TicketUrlAsync(OAuthBrowser browser, TestOidcIssuer issuer, string email, string returnTo = "/domains")
    {
        var back = await ThroughProviderAsync(browser, issuer, email, returnTo);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"{back.StatusCode}: {await back.Content.ReadAsStringAsync()}");
        var redeem = back.Headers.Location!.AbsoluteUri;
        Assert.StartsWith(node.Issuer + "api/v1/auth/sso/redeem?ticket=", redeem, StringComparison.Ordinal);
        return redeem;
    }

    private Task<string?> SessionCountAsync(long tenantId) =>
        node.QueryAsync("SELECT count(*) FROM portal_sessions WHERE tenant_id = @t", ("t", tenantId));

    [Fact]
    public async Task TheWholeFlowEndsInAPortalSessionThatCallsTheApiWithoutASecondFactor()
    {
        var (owner, issuer) = await ConnectAsync("appsso");
        await using var _ = issuer;
        issuer.Email = owner.Email;
        using var browser = new OAuthBrowser(node);
        var redeem = await TicketUrlAsync(browser, issuer, owner.Email);

        var landed = await browser.Http.GetAsync(redeem);
        Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
        Assert.Equal("/domains", landed.Headers.Location!.OriginalString);
        Assert.Equal("no-store", landed.Headers.CacheControl?.ToString());
        Assert.Contains(landed.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hm_session=hms_", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase)
            && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase));

        // The session is the portal's own: who is signed in, with a CSRF token, and /api/v1 works.
        var session = await browser.Http.GetAsync("api/v1/auth/session");
        var sessionJson = JsonDocument.Parse(await session.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.Equal(owner.TenantId, sessionJson.GetProperty("tenantId").GetInt64());
        Assert.Equal("session", sessionJson.GetProperty("authenticatedBy").GetString());
        var csrf = sessionJson.GetProperty("csrfToken").GetString();
        Assert.False(string.IsNullOrEmpty(csrf));
        var tenant = await browser.Http.GetAsync("api/v1/tenant");
        Assert.Equal(HttpStatusCode.OK, tenant.StatusCode);
        Assert.Equal("appsso", JsonDocument.Parse(await tenant.Content.ReadAsStringAsync()).RootElement.GetProperty("name").GetString());

        // Listed among the person's sessions, and audited as a sign-in through the provider.
        var sessions = await browser.Http.GetAsync("api/v1/account/sessions");
        Assert.Equal(HttpStatusCode.OK, sessions.StatusCode);
        Assert.Equal("1", await SessionCountAsync(owner.TenantId));
        Assert.Equal("1", await node.QueryAsync(
            "SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action = 'user.login' AND details->>'second_factor' = 'identity-provider' AND details->>'issuer' = @i",
            ("t", owner.TenantId), ("i", issuer.Issuer)));

        // A change with the session's CSRF token is accepted like after a password sign-in.
        using var logout = new HttpRequestMessage(HttpMethod.Post, "api/v1/auth/logout");
        logout.Headers.Add("X-CSRF-Token", csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.Http.SendAsync(logout)).StatusCode);
        Assert.Equal("0", await SessionCountAsync(owner.TenantId));
    }

    [Fact]
    public async Task AReplayedTicketIsRefusedAndMakesNoSecondSession()
    {
        var (owner, issuer) = await ConnectAsync("appreplay");
        await using var _ = issuer;
        issuer.Email = owner.Email;
        using var browser = new OAuthBrowser(node);
        var redeem = await TicketUrlAsync(browser, issuer, owner.Email);
        Assert.Equal("/domains", (await browser.Http.GetAsync(redeem)).Headers.Location!.OriginalString);

        // Again, from the same browser and from another one (a ticket copied out of a log).
        using var other = new OAuthBrowser(node);
        foreach (var http in new[] { browser.Http, other.Http })
        {
            var replay = await http.GetAsync(redeem);
            Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
            Assert.Equal("/login?sso=used", replay.Headers.Location!.OriginalString);
            Assert.False(replay.Headers.Contains("Set-Cookie"));
        }

        Assert.Equal("1", await SessionCountAsync(owner.TenantId));
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.Http.GetAsync("api/v1/auth/session")).StatusCode);
    }

    [Fact]
    public async Task AnExpiredATamperedAndAnUnknownTicketAreRefused()
    {
        var (owner, issuer) = await ConnectAsync("appexpiry");
        await using var _ = issuer;
        issuer.Email = owner.Email;
        using var browser = new OAuthBrowser(node);
        var redeem = await TicketUrlAsync(browser, issuer, owner.Email);

        // One bit changed: Data Protection's authentication tag no longer matches.
        var ticket = redeem[(redeem.IndexOf("ticket=", StringComparison.Ordinal) + "ticket=".Length)..];
        var flipped = ticket[..20] + (ticket[20] == 'A' ? 'B' : 'A') + ticket[21..];
        foreach (var bad in new[] { flipped, "not-a-ticket", "" })
        {
            var refused = await browser.Http.GetAsync("api/v1/auth/sso/redeem?ticket=" + bad);
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Equal("/login?sso=invalid", refused.Headers.Location!.OriginalString);
        }

        // Two minutes and a second later (the node's clock, no waiting) the genuine ticket is expired.
        node.Clock.Offset = PortalAppSignOn.TicketLifetime + TimeSpan.FromSeconds(1);
        try
        {
            var expired = await browser.Http.GetAsync(redeem);
            Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
            Assert.Equal("/login?sso=expired", expired.Headers.Location!.OriginalString);
        }
        finally
        {
            node.Clock.Offset = TimeSpan.Zero;
        }

        Assert.Equal("0", await SessionCountAsync(owner.TenantId));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("api/v1/auth/session")).StatusCode);
    }

    [Fact]
    public async Task ATicketForAMemberRemovedMeanwhileOrASuspendedTenantIsRefused()
    {
        var (owner, issuer) = await ConnectAsync("appgone");
        await using var _ = issuer;
        var accounts = node.Services.GetRequiredService<AccountService>();
        var invited = await accounts.InviteAsync(owner.TenantId, "erin@appgone.example", null, PortalRole.Admin, PortalRole.Owner, new Actor("test"));
        await accounts.ResetPasswordAsync(invited.Token, MailNode.Password, IPAddress.Loopback);

        issuer.Email = "erin@appgone.example";
        using var browser = new OAuthBrowser(node);
        var redeem = await TicketUrlAsync(browser, issuer, "erin@appgone.example");
        await accounts.RemoveUserAsync(owner.TenantId, invited.User.UserId, PortalRole.Owner, new Actor("test"));
        Assert.Equal("/login?sso=no-account", (await browser.Http.GetAsync(redeem)).Headers.Location!.OriginalString);

        issuer.Email = owner.Email;
        var suspended = await TicketUrlAsync(browser, issuer, owner.Email);
        await node.Cli.OkAsync("tenant", "suspend", "appgone");
        try
        {
            Assert.Equal("/login?sso=suspended", (await browser.Http.GetAsync(suspended)).Headers.Location!.OriginalString);
            // And a suspended tenant's provider gets no ticket issued at all.
            var refused = await ThroughProviderAsync(browser, issuer, owner.Email);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("suspended", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await node.Cli.OkAsync("tenant", "resume", "appgone");
        }

        Assert.Equal("0", await SessionCountAsync(owner.TenantId));
    }

    [Fact]
    public async Task AMemberOfAnotherTenantWithTheAddressIsNotSignedIn()
    {
        var (owner, issuer) = await ConnectAsync("appcross");
        await using var _ = issuer;
        // bob@appcross.example is a confirmed portal member of tenant "appother" only.
        var accounts = node.Services.GetRequiredService<AccountService>();
        var other = await accounts.SignUpAsync("appother", null, "bob@appcross.example", MailNode.Password, null, IPAddress.Loopback);
        Assert.True(await accounts.ConfirmEmailAsync(other.ConfirmationToken, IPAddress.Loopback));

        issuer.Email = "bob@appcross.example";
        using var browser = new OAuthBrowser(node);
        var back = await ThroughProviderAsync(browser, issuer, "bob@appcross.example");
        Assert.Equal(HttpStatusCode.Forbidden, back.StatusCode);
        Assert.Contains("no portal account with that address in your organisation", await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(back.Headers.Contains("Set-Cookie") && back.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("hm_session=", StringComparison.Ordinal)));
        Assert.Equal("0", await SessionCountAsync(other.TenantId));
        Assert.Equal("0", await SessionCountAsync(owner.TenantId));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("api/v1/auth/session")).StatusCode);
    }

    [Fact]
    public async Task AnAddressWithoutAProviderIsAFieldErrorAtTheStartAndForeignReturnPathsAreDropped()
    {
        using var browser = new OAuthBrowser(node);
        var none = await browser.Http.PostAsJsonAsync("api/v1/auth/sso", new { email = "carol@nowhere.example", returnTo = "/" });
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https://hostedmail.dev/problems/sso-unavailable", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));

        var bad = await browser.Http.PostAsJsonAsync("api/v1/auth/sso", new { email = "no-at-sign", returnTo = "/" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("email", out _));

        // A start link that was changed is refused by the authorization server with a page.
        var forged = await browser.Http.GetAsync("connect/federation/start?request=forged");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("invalid or has expired", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Another origin as the place to return to becomes the dashboard.
        var (owner, issuer) = await ConnectAsync("appreturn");
        await using var provider = issuer;
        issuer.Email = owner.Email;
        foreach (var foreign in new[] { "//evil.example/", "https://evil.example/", "/\\evil.example" })
        {
            var redeem = await TicketUrlAsync(browser, issuer, owner.Email, foreign);
            Assert.Equal("/", (await browser.Http.GetAsync(redeem)).Headers.Location!.OriginalString);
        }
    }
}

