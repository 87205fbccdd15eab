using System.Net;
using System.Text.Json;
using HostedMail.Identity.OAuth;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15 item 6: a tenant connects its own OpenID Connect provider (here a second OpenIddict
/// server started by the test) and its people sign in there; they are linked to the tenant's
/// existing mailboxes and portal users by verified address in the tenant's verified domains only.
/// </summary>
public sealed class FederationTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    private readonly PortalApiAccess _api = new(node);

    private string CallbackUri => node.Issuer + "connect/federation/callback";

    /// <summary>A tenant with a verified domain, a mailbox, and the test issuer connected as its provider.</summary>
    private async Task<(PortalApiAccess.Owner Owner, TestOidcIssuer Issuer, string OwnerToken)> ConnectAsync(string tenant)
    {
        var owner = await _api.NewOwnerAsync(tenant, totp: true);
        await node.Cli.OkAsync("domain", "add", tenant + ".example", "--tenant", tenant, "--verified");
        await node.Cli.OkAsync("mailbox", "create", "dave@" + tenant + ".example", "--tenant", tenant, "--password", MailNode.Password);
        var issuer = await TestOidcIssuer.StartAsync(CallbackUri);
        var token = await _api.ApiAccessTokenAsync(owner);
        var set = await _api.ApiAsync(HttpMethod.Put, "/api/v1/identity-provider", token,
            new { displayName = "Test IdP", issuer = issuer.Issuer, clientId = TestOidcIssuer.ClientId, clientSecret = TestOidcIssuer.ClientSecret });
        Assert.True(set.Status == HttpStatusCode.OK, set.Body);
        Assert.Equal(CallbackUri, JsonDocument.Parse(set.Body).RootElement.GetProperty("redirectUri").GetString());
        Assert.DoesNotContain(TestOidcIssuer.ClientSecret, set.Body, StringComparison.Ordinal);
        // The secret is sealed at rest.
        var stored = await node.QueryAsync("SELECT protected_client_secret FROM tenant_identity_providers WHERE tenant_id = @t", ("t", owner.TenantId));
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.DoesNotContain(TestOidcIssuer.ClientSecret, stored!, StringComparison.Ordinal);
        return (owner, issuer, token);
    }

    /// <summary>Presses "Use single sign-on" on the sign-in page <paramref name="html"/>: the provider's authorization URL.</summary>
    private static async Task<string> StartAsync(OAuthBrowser browser, string html, string email)
    {
        Assert.Contains("formaction=\"/connect/federation/start\"", html, StringComparison.Ordinal);
        var fields = OAuthBrowser.Hidden(html);
        fields["username"] = email;
        fields["password"] = "";
        fields["sso"] = html.Contains("value=\"portal\"", StringComparison.Ordinal) ? "portal" : "mailbox";
        var started = await browser.Http.PostAsync("connect/federation/start", new FormUrlEncodedContent(fields));
        var page = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.OK, $"{started.StatusCode}: {page}");
        // A link, not a redirect: the sign-in form's CSP allows posting to this origin only.
        Assert.Contains("Sign in with Test IdP", page, StringComparison.Ordinal);
        var link = System.Text.RegularExpressions.Regex.Match(page, "<a id=\"continue\" href=\"([^\"]+)\"");
        Assert.True(link.Success, page);
        return WebUtility.HtmlDecode(link.Groups[1].Value);
    }

    /// <summary>The provider's answer: the redirect back to the node (code, state, iss).</summary>
    private static async Task<string> AtProviderAsync(OAuthBrowser browser, string authorizeUrl, TestOidcIssuer issuer)
    {
        Assert.StartsWith(issuer.Issuer + "authorize?", authorizeUrl, StringComparison.Ordinal);
        var answer = await browser.Http.GetAsync(authorizeUrl);
        Assert.True(answer.StatusCode == HttpStatusCode.Redirect, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        return answer.Headers.Location!.AbsoluteUri;
    }

    [Fact]
    public async Task AMailboxSignsInThroughItsTenantsProviderAndTheTokenWorksForImap()
    {
        var (_, issuer, _) = await ConnectAsync("fedmail");
        await using var _ = issuer;
        issuer.Email = "dave@fedmail.example";
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var login = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var callback = await AtProviderAsync(browser, await StartAsync(browser, login.Html, "dave@fedmail.example"), issuer);
        Assert.StartsWith(CallbackUri + "?", callback, StringComparison.Ordinal);
        Assert.Contains("iss=", callback, StringComparison.Ordinal);

        var back = await browser.Http.GetAsync(callback);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"{back.StatusCode}: {await back.Content.ReadAsStringAsync()}");
        var consent = await browser.GetAsync(back.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Contains("wants to use your mailbox <strong>dave@fedmail.example</strong>", consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["code"]!;
        var tokens = await browser.ExchangeCodeAsync(code, verifier);
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, "dave@fedmail.example", access), StringComparison.Ordinal);

        // The state is redeemed once: the same answer again is refused.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.GetAsync(callback)).StatusCode);
    }

    [Fact]
    public async Task APortalOwnerSignsInThroughTheProviderForTheApiScopeAndTheSignInIsAudited()
    {
        var (owner, issuer, _) = await ConnectAsync("fedportal");
        await using var _ = issuer;
        issuer.Email = owner.Email;
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var login = await browser.GetAsync(PortalApiAccess.AuthorizeUrl(challenge));
        Assert.Contains("Sign in to the portal", login.Html, StringComparison.Ordinal);
        var callback = await AtProviderAsync(browser, await StartAsync(browser, login.Html, owner.Email), issuer);
        var back = await browser.Http.GetAsync(callback);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, await back.Content.ReadAsStringAsync());
        var consent = await browser.GetAsync(back.Headers.Location!.OriginalString);
        Assert.Contains("wants to act in the portal as <strong>" + owner.Email + "</strong>", consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["code"]!;
        var (status, tokens) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", PortalApiAccess.ApiRedirectUri),
            ("client_id", ApiOAuth.ApiToolsClientId), ("code_verifier", verifier));
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        var tenant = await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, tenant.Status);
        Assert.Equal("fedportal", JsonDocument.Parse(tenant.Body).RootElement.GetProperty("name").GetString());
        Assert.Equal("1", await node.QueryAsync(
            "SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action = 'user.login' AND details->>'second_factor' = 'identity-provider' AND details->>'issuer' = @i",
            ("t", owner.TenantId), ("i", issuer.Issuer)));
    }

    [Fact]
    public async Task AnAddressTheProviderDoesNotCallVerifiedIsRefused()
    {
        var (_, issuer, _) = await ConnectAsync("fedunverified");
        await using var _ = issuer;
        issuer.Email = "dave@fedunverified.example";
        issuer.EmailVerified = false;
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var login = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var callback = await AtProviderAsync(browser, await StartAsync(browser, login.Html, "dave@fedunverified.example"), issuer);
        var back = await browser.Http.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Forbidden, back.StatusCode);
        Assert.Contains("verified email address", await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Not signed in: the authorization still asks for a sign-in.
        Assert.Contains("Sign in to your mailbox", (await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge))).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAddressInAnotherTenantsDomainIsNeverLinked()
    {
        var (_, issuer, _) = await ConnectAsync("fedcross");
        await using var _ = issuer;
        // The provider (the tenant's own, so its admin controls it) asserts a mailbox of tenant
        // "other", verified and existing: it must not sign in anywhere.
        issuer.Email = "carol@other.example";
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var login = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var callback = await AtProviderAsync(browser, await StartAsync(browser, login.Html, "dave@fedcross.example"), issuer);
        var back = await browser.Http.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Forbidden, back.StatusCode);
        Assert.Contains("not in a verified domain of your organisation", await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // And an address of a domain no tenant connected a provider for starts nothing.
        var none = await browser.Http.PostAsync("connect/federation/start", new FormUrlEncodedContent(OAuthBrowser.Hidden(login.Html)
            .Append(KeyValuePair.Create("username", "carol@other.example")).Append(KeyValuePair.Create("sso", "mailbox"))));
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(1, issuer.Authorizations);
    }

    [Fact]
    public async Task AnAnswerNamingAnotherIssuerOrCarryingABadStateIsRefused()
    {
        var (_, issuer, _) = await ConnectAsync("fedprobe");
        await using var _ = issuer;
        issuer.Email = "dave@fedprobe.example";
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var login = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var callback = await AtProviderAsync(browser, await StartAsync(browser, login.Html, "dave@fedprobe.example"), issuer);

        // RFC 9207: the answer names its issuer; one naming another issuer is a mix-up attack.
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(callback).Query);
        query["iss"] = "http://127.0.0.1:1/";
        var mixedUp = await browser.Http.GetAsync(CallbackUri + "?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, mixedUp.StatusCode);

        // A made-up state, and a real state in another browser (no request-forgery cookie).
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.GetAsync(CallbackUri + "?code=abc&state=not-a-state")).StatusCode);
        using var other = new OAuthBrowser(node);
        var stolen = await AtProviderAsync(browser, await StartAsync(browser, login.Html, "dave@fedprobe.example"), issuer);
        Assert.Equal(HttpStatusCode.BadRequest, (await other.Http.GetAsync(stolen)).StatusCode);
        // OpenIddict redeems a state before it checks the cookie, so a stolen answer is spent for
        // its owner too (refused again). A new, untouched answer in its own browser signs in: the
        // probes above were refused for what they changed.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.GetAsync(stolen)).StatusCode);
        var genuine = await AtProviderAsync(browser, await StartAsync(browser, login.Html, "dave@fedprobe.example"), issuer);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync(genuine)).StatusCode);
    }

    [Fact]
    public async Task OnlyOwnersAndAdminsManageTheProviderAndAClientNever()
    {
        // The owner's token from ConnectAsync: a second TOTP sign-in in the same 30 s step would be refused (RFC 6238 section 5.2).
        var (_, issuer, token) = await ConnectAsync("fedmanage");
        await using var _ = issuer;
        var read = await _api.ApiAsync(HttpMethod.Get, "/api/v1/identity-provider", token);
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(issuer.Issuer, JsonDocument.Parse(read.Body).RootElement.GetProperty("issuer").GetString());
        var bad = await _api.ApiAsync(HttpMethod.Put, "/api/v1/identity-provider", token, new { displayName = "x", issuer = "ftp://idp.example/", clientId = "c", clientSecret = "s" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("issuer", bad.Body, StringComparison.Ordinal);

        var created = await _api.ApiAsync(HttpMethod.Post, "/api/v1/oauth/clients", token, new { name = "robot", role = "admin" });
        var json = JsonDocument.Parse(created.Body).RootElement;
        var (_, clientToken) = await _api.ClientTokenAsync(json.GetProperty("client").GetProperty("clientId").GetString()!, json.GetProperty("clientSecret").GetString()!);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Delete, "/api/v1/identity-provider", clientToken.GetProperty("access_token").GetString()!)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await _api.ApiAsync(HttpMethod.Delete, "/api/v1/identity-provider", token)).Status);
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var login = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var fields = OAuthBrowser.Hidden(login.Html);
        fields["username"] = "dave@fedmanage.example";
        fields["sso"] = "mailbox";
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.PostAsync("connect/federation/start", new FormUrlEncodedContent(fields))).StatusCode);
    }
}
