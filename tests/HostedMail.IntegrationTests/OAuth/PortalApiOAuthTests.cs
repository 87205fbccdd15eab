using System.Net;
using System.Text.Json;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.OAuth;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15 item 3: portal accounts sign in on the authorization server (with their TOTP) for the
/// api scope, and the portal API takes those access tokens like a session, refusing every token
/// that is not one.
/// </summary>
public sealed class PortalApiOAuthTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    private readonly PortalApiAccess _api = new(node);

    [Fact]
    public async Task APortalOwnerWithTotpAuthorizesTheApiScopeAndTheTokenActsAsTheOwnerInTheirTenant()
    {
        var owner = await _api.NewOwnerAsync("apiowner", totp: true);
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var page = await browser.GetAsync(PortalApiAccess.AuthorizeUrl(challenge));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Sign in to the portal", page.Html, StringComparison.Ordinal);

        // The password alone is not enough for an account with two-factor authentication.
        var noCode = await PortalApiAccess.PostPortalSignInAsync(browser, page.Html, owner.Email, MailNode.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, noCode.Status);
        Assert.Contains("Enter the code from your authenticator app", noCode.Html, StringComparison.Ordinal);
        var consent = await PortalApiAccess.PostPortalSignInAsync(browser, noCode.Html, owner.Email, MailNode.Password, PortalApiAccess.CurrentCode(owner.TotpSecret!));
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Contains("wants to act in the portal as <strong>" + owner.Email, consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["code"]!;
        var (status, tokens) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", PortalApiAccess.ApiRedirectUri),
            ("client_id", ApiOAuth.ApiToolsClientId), ("code_verifier", verifier));
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        Assert.Equal(["api", "offline_access"], tokens.GetProperty("scope").GetString()!.Split(' ').Order());
        var access = tokens.GetProperty("access_token").GetString()!;

        var tenant = await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", access);
        Assert.Equal(HttpStatusCode.OK, tenant.Status);
        Assert.Equal("apiowner", JsonDocument.Parse(tenant.Body).RootElement.GetProperty("name").GetString());
        // A change without any CSRF header: a bearer token is no ambient credential. The owner's role allows it.
        var added = await _api.ApiAsync(HttpMethod.Post, "/api/v1/domains", access, new { name = "apiowner.example" });
        Assert.True(added.Status == HttpStatusCode.Created, added.Body);
        // The audit names the person and the client.
        Assert.Equal("user:owner@apiowner.example (oauth hostedmail-api)",
            await node.QueryAsync("SELECT actor FROM audit_log WHERE tenant_id = @t AND action = 'domain.add'", ("t", owner.TenantId)));
        // The sign-in is audited like the portal's own, with the second factor and where it happened.
        Assert.Equal("totp/oauth", await node.QueryAsync(
            "SELECT (details->>'second_factor') || '/' || (details->>'via') FROM audit_log WHERE tenant_id = @t AND action = 'user.login'", ("t", owner.TenantId)));
        // No portal session was made by the authorization server's sign-in.
        Assert.Equal("0", await node.QueryAsync("SELECT count(*) FROM portal_sessions WHERE tenant_id = @t", ("t", owner.TenantId)));

        // One's own credentials need a signed-in session, whatever the role.
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/account", access)).Status);
    }

    [Fact]
    public async Task ARecoveryCodeSignsInOnceAndAWrongOrReusedCodeCountsTowardsTheAccountsLockout()
    {
        var owner = await _api.NewOwnerAsync("apirecovery", totp: true);
        Assert.NotNull((await _api.ApiTokensAsync(owner, owner.RecoveryCodes[0])).GetProperty("access_token").GetString());

        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var page = await browser.GetAsync(PortalApiAccess.AuthorizeUrl(challenge));
        var reused = await PortalApiAccess.PostPortalSignInAsync(browser, page.Html, owner.Email, MailNode.Password, recovery: owner.RecoveryCodes[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, reused.Status);
        Assert.Contains("wrong, expired or already used", reused.Html, StringComparison.Ordinal);
        var wrong = await PortalApiAccess.PostPortalSignInAsync(browser, reused.Html, owner.Email, MailNode.Password, totp: "000000");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        var badPassword = await PortalApiAccess.PostPortalSignInAsync(browser, wrong.Html, owner.Email, "not the password");
        Assert.Equal(HttpStatusCode.Unauthorized, badPassword.Status);
        Assert.Contains("Wrong email or password.", badPassword.Html, StringComparison.Ordinal);
        // The portal's own counter (AccountService): three failures on the account.
        Assert.Equal("3", await node.QueryAsync("SELECT failed_logins FROM portal_accounts WHERE email = @e", ("e", owner.Email)));
    }

    [Fact]
    public async Task AMailboxSignInDoesNotGrantTheApiScopeAndApiAndMailCannotBeAskedTogether()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        // Signed in as a mailbox for the mail client first...
        await browser.SignInAsync(OAuthBrowser.AuthorizeUrl(challenge), "alice@acme.example", MailNode.Password);
        // ...an api authorization still asks for a portal account.
        var page = await browser.GetAsync(PortalApiAccess.AuthorizeUrl(challenge));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Sign in to the portal", page.Html, StringComparison.Ordinal);

        // The API tools client may not ask for mail at all: refused before any sign-in page.
        var both = await browser.GetAsync(PortalApiAccess.AuthorizeUrl(challenge, "api mail"));
        Assert.Matches("error[=:]", both.Html);
        Assert.DoesNotContain("<form", both.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheApiRefusesMailTokensForgedTokensExpiredTokensAndRevokedTokens()
    {
        var owner = await _api.NewOwnerAsync("apiprobes", totp: false);
        var access = await _api.ApiAccessTokenAsync(owner);
        Assert.Equal(HttpStatusCode.OK, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", access)).Status);

        // A mail token (a mailbox's, audience hostedmail-mail) is no API token.
        using var browser = new OAuthBrowser(node);
        var (mailToken, _) = await browser.TokensAsync("alice@acme.example", MailNode.Password);
        var mail = await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", mailToken);
        Assert.Equal(HttpStatusCode.Unauthorized, mail.Status);
        Assert.Contains("invalid_token", mail.Response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        // Each check on its own, with tokens signed by the node's real key that differ in one thing.
        Assert.Equal(HttpStatusCode.OK, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", await _api.ForgeAsync(access, _ => { }))).Status);
        var expired = await _api.ForgeAsync(access, _ => { }, expires: DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", expired)).Status);
        var otherAudience = await _api.ForgeAsync(access, _ => { }, audience: OAuthServerOptions.MailAudience);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", otherAudience)).Status);
        var noApiScope = await _api.ForgeAsync(access, c => c["scope"] = "offline_access");
        var scopeAnswer = await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", noApiScope);
        Assert.Equal(HttpStatusCode.Forbidden, scopeAnswer.Status);
        Assert.Contains("insufficient_scope", scopeAnswer.Response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var unknownEntry = await _api.ForgeAsync(access, c => c["oi_tkn_id"] = Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", unknownEntry)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", "eyJhbGciOiJub25lIn0.e30.")).Status);

        // RFC 7009 revocation counts at the next request.
        var revoked = await browser.Http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = access,
            ["client_id"] = ApiOAuth.ApiToolsClientId,
        }));
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", access)).Status);
    }

    [Fact]
    public async Task AUserTokenFollowsTheUsersCurrentRole()
    {
        var owner = await _api.NewOwnerAsync("apirole", totp: false);
        var access = await _api.ApiAccessTokenAsync(owner);
        Assert.Equal(HttpStatusCode.OK, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/oauth/clients", access)).Status);
        await node.QueryAsync("UPDATE portal_users SET role = 'read_only' WHERE tenant_id = @t AND user_id = @u", ("t", owner.TenantId), ("u", owner.UserId));
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/oauth/clients", access)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Post, "/api/v1/domains", access, new { name = "apirole.example" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/domains", access)).Status);
    }
}
