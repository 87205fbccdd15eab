using System.Net;
using System.Text.Json;
using HostedMail.Core.Security;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15 item 3: tenant admins list and revoke their mailboxes' OAuth grants through the
/// portal API (never another tenant's), a mailbox user does the same for their own on
/// /connect/grants, and a new password or a disabled mailbox ends the mailbox's grants.
/// </summary>
public sealed class OAuthGrantTests(OAuthAdminNode node) : IClassFixture<OAuthAdminNode>
{
    private static async Task<(string Access, string Refresh, OAuthBrowser Browser)> TokensAsync(OAuthNode node, string address)
    {
        var browser = new OAuthBrowser(node);
        var (access, refresh) = await browser.TokensAsync(address, MailNode.Password);
        return (access, refresh, browser);
    }

    private static async Task AssertRefreshRefusedAsync(OAuthBrowser browser, string refresh)
    {
        var (status, json) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
    }

    private static IEnumerable<JsonElement> Items(JsonElement list) => list.GetProperty("items").EnumerateArray();

    /// <summary>A phone logged in with the token and IDLE in INBOX, and a desktop logged in with the password.</summary>
    private static async Task<(LineClient Phone, LineClient Desktop)> SessionsAsync(OAuthNode node, string address, string access)
    {
        var phone = await LineClient.ConnectAsync(node.ImapsPort, implicitTls: true);
        await phone.ReadLineAsync();
        Assert.StartsWith("a OK", await phone.ImapAsync($"a AUTHENTICATE XOAUTH2 {OAuthSasl.XOAuth2(address, access)}\r\n", "a "), StringComparison.Ordinal);
        Assert.StartsWith("b OK", await phone.ImapAsync("b SELECT INBOX\r\n", "b "), StringComparison.Ordinal);
        await phone.SendAsync("c IDLE\r\n");
        Assert.Equal("+ idling", await phone.ReadLineAsync());

        var desktop = await LineClient.ConnectAsync(node.ImapsPort, implicitTls: true);
        await desktop.ReadLineAsync();
        Assert.StartsWith("a OK", await desktop.ImapAsync($"a LOGIN {address} \"{MailNode.Password}\"\r\n", "a "), StringComparison.Ordinal);
        return (phone, desktop);
    }

    /// <summary>The token session was ended by the revocation, the password session goes on.</summary>
    private static async Task AssertOnlyTheTokenSessionEndedAsync(LineClient phone, LineClient desktop)
    {
        Assert.Equal("* BYE " + HostedMail.Net.MailSessionRegistry.RevokedReason, await phone.ReadLineAsync());
        Assert.True(await phone.IsClosedAsync());
        Assert.Equal("b OK NOOP completed", await desktop.ImapAsync("b NOOP\r\n", "b "));
    }

    [Fact]
    public async Task RevokingAGrantEndsTheSessionsLoggedInWithATokenButNotThePasswordOnes()
    {
        // A lost phone's IDLE connection must not outlive the grant its owner revoked.
        var tenant = await node.TenantAsync("grantend", "hana");
        const string address = "hana@grantend.example";
        var (access, _, browser) = await TokensAsync(node, address);
        using var _ = browser;
        var (phone, desktop) = await SessionsAsync(node, address, access);
        await using var p = phone;
        await using var d = desktop;

        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "api/v1/oauth/grants");
        var grantId = Items(list).Single().GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.SendAsync(HttpMethod.Delete, $"api/v1/oauth/grants/{grantId}")).Status);

        await AssertOnlyTheTokenSessionEndedAsync(phone, desktop);
    }

    [Theory]
    [InlineData("access_token")]
    [InlineData("refresh_token")]
    public async Task ATokenRevokedByItsClientEndsTheSessionsLoggedInWithATokenButNotThePasswordOnes(string kind)
    {
        // RFC 7009: a mail app signing out revokes its token itself; its open sessions end like a revoked grant's.
        var slug = "clientrevoke" + kind[0];
        await node.TenantAsync(slug, "ines");
        var address = $"ines@{slug}.example";
        var (access, refresh, browser) = await TokensAsync(node, address);
        using var _ = browser;
        var (phone, desktop) = await SessionsAsync(node, address, access);
        await using var p = phone;
        await using var d = desktop;

        var revoked = await browser.Http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = kind == "access_token" ? access : refresh,
            ["token_type_hint"] = kind,
            ["client_id"] = OAuthBrowser.ClientId,
        }));
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());

        await AssertOnlyTheTokenSessionEndedAsync(phone, desktop);
    }

    [Fact]
    public async Task AReusedRefreshTokenEndsTheSessionsLoggedInWithATokenOfItsChain()
    {
        // RFC 9700 section 4.14.2: reuse means the refresh token was stolen; the chain is revoked, and
        // a session opened with one of its access tokens (perhaps by the thief) must end with it.
        await node.TenantAsync("reuseend", "jon");
        const string address = "jon@reuseend.example";
        var (_, refresh, browser) = await TokensAsync(node, address);
        using var _ = browser;
        var (status, rotated) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.OK, status);
        var (phone, desktop) = await SessionsAsync(node, address, rotated.GetProperty("access_token").GetString()!);
        await using var p = phone;
        await using var d = desktop;

        // An ordinary rotation (the spent token is redeemed, not revoked) ends nothing.
        var (again, _) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", rotated.GetProperty("refresh_token").GetString()!), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.StartsWith("c OK", await phone.ImapAsync("DONE\r\n", "c "), StringComparison.Ordinal);
        await phone.SendAsync("d IDLE\r\n");
        Assert.Equal("+ idling", await phone.ReadLineAsync());

        await AssertRefreshRefusedAsync(browser, refresh);

        await AssertOnlyTheTokenSessionEndedAsync(phone, desktop);
    }

    [Fact]
    public async Task AnAdminListsAndRevokesItsTenantsGrantsAndNeverAnotherTenants()
    {
        var first = await node.TenantAsync("granta", "erin", "finn");
        var second = await node.TenantAsync("grantb", "gina");
        var (erinAccess, erinRefresh, erinBrowser) = await TokensAsync(node, "erin@granta.example");
        var (finnAccess, _, finnBrowser) = await TokensAsync(node, "finn@granta.example");
        var (ginaAccess, _, ginaBrowser) = await TokensAsync(node, "gina@grantb.example");
        using var b1 = erinBrowser;
        using var b2 = finnBrowser;
        using var b3 = ginaBrowser;

        var (status, list) = await first.SendAsync(HttpMethod.Get, "api/v1/oauth/grants");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["erin@granta.example", "finn@granta.example"], Items(list).Select(g => g.GetProperty("address").GetString()).Order());
        var erinGrant = Items(list).Single(g => g.GetProperty("address").GetString() == "erin@granta.example");
        Assert.Equal(OAuthBrowser.ClientId, erinGrant.GetProperty("clientId").GetString());
        Assert.Contains("mail", erinGrant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        var erinGrantId = erinGrant.GetProperty("id").GetString()!;

        // The other tenant sees only its own, cannot filter by a foreign mailbox, cannot revoke a foreign grant.
        var (_, secondList) = await second.SendAsync(HttpMethod.Get, "api/v1/oauth/grants");
        Assert.Equal(["gina@grantb.example"], Items(secondList).Select(g => g.GetProperty("address").GetString()));
        var erinMailbox = await first.MailboxIdAsync("erin@granta.example");
        var (foreignFilter, foreignFilterJson) = await second.SendAsync(HttpMethod.Get, $"api/v1/oauth/grants?mailboxId={erinMailbox}");
        Assert.Equal(HttpStatusCode.NotFound, foreignFilter);
        Assert.Equal("not found", foreignFilterJson.GetProperty("title").GetString());
        var (foreignRevoke, foreignRevokeJson) = await second.SendAsync(HttpMethod.Delete, $"api/v1/oauth/grants/{erinGrantId}");
        Assert.Equal(HttpStatusCode.NotFound, foreignRevoke);
        Assert.Equal("no such grant", foreignRevokeJson.GetProperty("detail").GetString());
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(erinAccess)).Status);

        // Filtered by mailbox, then revoked: the access token and the refresh token die on the spot; finn's and gina's live.
        var (_, erinOnly) = await first.SendAsync(HttpMethod.Get, $"api/v1/oauth/grants?mailboxId={erinMailbox}");
        Assert.Equal([erinGrantId], Items(erinOnly).Select(g => g.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await first.SendAsync(HttpMethod.Delete, $"api/v1/oauth/grants/{erinGrantId}")).Status);
        var adminRevocation = Assert.Single(await first.AuditAsync("oauth-grant.revoke"));
        Assert.Equal(erinGrantId, adminRevocation.GetProperty("target").GetString());
        Assert.Contains("owner@granta-owner.example", adminRevocation.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Equal("erin@granta.example", adminRevocation.GetProperty("details").GetProperty("mailbox").GetString());
        Assert.Empty(await second.AuditAsync("oauth-grant.revoke"));
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(erinAccess)).Status);
        await AssertRefreshRefusedAsync(erinBrowser, erinRefresh);
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(finnAccess)).Status);
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(ginaAccess)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await first.SendAsync(HttpMethod.Delete, $"api/v1/oauth/grants/{erinGrantId}")).Status);
        var (_, after) = await first.SendAsync(HttpMethod.Get, "api/v1/oauth/grants");
        Assert.DoesNotContain(erinGrantId, Items(after).Select(g => g.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task AMailboxUserSeesAndRevokesOnlyTheirOwnGrantsOnTheConnectedAppsPage()
    {
        var tenant = await node.TenantAsync("selfserve", "hana", "ivan");
        var (hanaAccess, hanaRefresh, hana) = await TokensAsync(node, "hana@selfserve.example");
        var (ivanAccess, _, ivan) = await TokensAsync(node, "ivan@selfserve.example");
        using var b1 = hana;
        using var b2 = ivan;

        // The browsers are still signed in from their consent; a fresh one is asked to sign in first.
        using var stranger = new OAuthBrowser(node);
        var signIn = await stranger.GetAsync("connect/grants");
        Assert.Contains("Sign in to your mailbox", signIn.Html, StringComparison.Ordinal);
        Assert.Equal("/connect/grants", OAuthBrowser.Hidden(signIn.Html)["return_url"]);

        var hanaPage = await hana.GetAsync("connect/grants");
        Assert.Equal(HttpStatusCode.OK, hanaPage.Status);
        Assert.Contains("Connected apps", hanaPage.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", hanaPage.Html, StringComparison.OrdinalIgnoreCase);
        var hanaForm = OAuthBrowser.Hidden(hanaPage.Html);
        var hanaGrant = hanaForm["grant"];
        var ivanPage = await ivan.GetAsync("connect/grants");
        var ivanForm = OAuthBrowser.Hidden(ivanPage.Html);
        Assert.NotEqual(hanaGrant, ivanForm["grant"]);

        // Ivan posting Hana's grant id with his own form token: answered like an unknown grant.
        ivanForm["grant"] = hanaGrant;
        var foreign = await ivan.Http.PostAsync("connect/grants/revoke", new FormUrlEncodedContent(ivanForm));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(hanaAccess)).Status);

        // Without the form token: refused.
        var noCsrf = new Dictionary<string, string> { ["grant"] = hanaGrant };
        Assert.Equal(HttpStatusCode.BadRequest, (await hana.Http.PostAsync("connect/grants/revoke", new FormUrlEncodedContent(noCsrf))).StatusCode);

        var revoked = await hana.Http.PostAsync("connect/grants/revoke", new FormUrlEncodedContent(hanaForm));
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(hanaAccess)).Status);
        await AssertRefreshRefusedAsync(hana, hanaRefresh);
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(ivanAccess)).Status);
        var empty = await hana.GetAsync(revoked.Headers.Location!.OriginalString);
        Assert.Contains("Access revoked.", empty.Html, StringComparison.Ordinal);
        Assert.Contains("No app has access.", empty.Html, StringComparison.Ordinal);

        // In the tenant's audit log: the mailbox revoked its own grant, from the browser's address.
        var entry = Assert.Single(await tenant.AuditAsync("oauth-grant.revoke"));
        Assert.Equal(hanaGrant, entry.GetProperty("target").GetString());
        Assert.Equal("mailbox:hana@selfserve.example", entry.GetProperty("actor").GetString());
        Assert.Equal("127.0.0.1", entry.GetProperty("remoteAddress").GetString());
        Assert.Equal(OAuthBrowser.ClientId, entry.GetProperty("details").GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task ANewPasswordEndsTheMailboxsGrants()
    {
        var tenant = await node.TenantAsync("newpass", "jack", "kate");
        var (jackAccess, jackRefresh, jack) = await TokensAsync(node, "jack@newpass.example");
        var (kateAccess, _, kate) = await TokensAsync(node, "kate@newpass.example");
        using var b1 = jack;
        using var b2 = kate;
        var id = await tenant.MailboxIdAsync("jack@newpass.example");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.SendAsync(HttpMethod.Put, $"api/v1/mailboxes/{id}/password", new { password = "a different horse battery staple" })).Status);
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(jackAccess)).Status);
        await AssertRefreshRefusedAsync(jack, jackRefresh);
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(kateAccess)).Status);

        // The operator's CLI changes passwords through the same service.
        var (kateAccess2, _, kate2) = await TokensAsync(node, "kate@newpass.example");
        using var b3 = kate2;
        await node.Cli.OkAsync("mailbox", "set-password", "kate@newpass.example", "--tenant", tenant.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--password", "yet another horse battery staple");
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(kateAccess2)).Status);
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(kateAccess)).Status);
    }

    [Fact]
    public async Task DisablingAMailboxEndsItsGrantsAndEnablingItDoesNotReviveThem()
    {
        var tenant = await node.TenantAsync("disable", "liam");
        var (access, refresh, liam) = await TokensAsync(node, "liam@disable.example");
        using var b1 = liam;
        var id = await tenant.MailboxIdAsync("liam@disable.example");
        Assert.Equal(HttpStatusCode.OK, (await tenant.SendAsync(HttpMethod.Patch, $"api/v1/mailboxes/{id}", new { enabled = false })).Status);
        Assert.Equal(HttpStatusCode.OK, (await tenant.SendAsync(HttpMethod.Patch, $"api/v1/mailboxes/{id}", new { enabled = true })).Status);
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(access)).Status);
        await AssertRefreshRefusedAsync(liam, refresh);
    }
}
