using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostedMail.Identity.Accounts;

namespace HostedMail.Portal.Tests;

/// <summary>
/// Issue 18 item 8: one account per person with memberships in several tenants, and no answer
/// that tells whether an address has an account elsewhere or a name is used by another tenant
/// beyond what verification must say. Each probe compares the answer for an address (or domain)
/// that is known somewhere with the answer for one that is not.
/// </summary>
public sealed class IdentityTests(PortalHost host) : IClassFixture<PortalHost>
{
    /// <summary>The answer without the values that differ for every request anyway.</summary>
    private static async Task<(HttpStatusCode Status, string Shape)> AnswerAsync(HttpResponseMessage response, params string[] varying)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0)
        {
            return (response.StatusCode, "");
        }

        var json = JsonDocument.Parse(text).RootElement;
        var shape = json.ValueKind == JsonValueKind.Object
            ? string.Join(",", json.EnumerateObject().Select(p => varying.Contains(p.Name) ? p.Name + ":*" : p.Name + ":" + p.Value))
            : json.ToString();
        return (response.StatusCode, shape);
    }

    [Fact]
    public async Task SignUpAnswersAlikeForAnAddressWithAnAccountAndTheTenantBecomesAMembership()
    {
        using var existing = await host.NewTenantAsync("first-co", "person@multi.example");
        using var client = host.NewClient();
        var known = await client.PostAsync("/api/v1/auth/signup", new { tenantName = "second-co", tenantDisplayName = "Second Co", email = "person@multi.example", password = "another passphrase here" });
        var unknown = await client.PostAsync("/api/v1/auth/signup", new { tenantName = "third-co", tenantDisplayName = "Third Co", email = "nobody-yet@multi.example", password = "another passphrase here" });
        Assert.Equal(await AnswerAsync(unknown, "tenantId", "tenantName"), await AnswerAsync(known, "tenantId", "tenantName"));
        Assert.Equal(HttpStatusCode.Created, known.StatusCode);
        var secondId = (await known.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenantId").GetInt64();

        // Not a member until the mailed link confirms it; the sign-up password does not replace the account's.
        using var browser = host.NewClient();
        await PortalClient.ExpectProblemAsync(await browser.PostAsync("/api/v1/auth/login", new { email = "person@multi.example", password = "another passphrase here" }), HttpStatusCode.Unauthorized);
        await PortalClient.ExpectProblemAsync(await browser.PostAsync("/api/v1/auth/login", new { email = "person@multi.example", password = "correct horse battery", tenantId = secondId }), HttpStatusCode.Unauthorized);
        await PortalClient.ExpectAsync(await browser.PostAsync("/api/v1/auth/confirm-email", new { token = host.Mail.TokenFor("person@multi.example") }), HttpStatusCode.NoContent);

        var login = await PortalClient.ExpectAsync(await browser.PostAsync("/api/v1/auth/login", new { email = "person@multi.example", password = "correct horse battery", tenantId = secondId }), HttpStatusCode.OK);
        Assert.Equal(secondId, login.GetProperty("tenantId").GetInt64());
        Assert.Equal(["first-co", "second-co"], login.GetProperty("tenants").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order().ToArray());
        browser.Csrf = login.GetProperty("csrfToken").GetString();
        var tenant = await browser.GetJsonAsync("/api/v1/tenant");
        Assert.Equal("Second Co", tenant.GetProperty("displayName").GetString());
        Assert.Equal(2, (await browser.GetJsonAsync("/api/v1/auth/session")).GetProperty("tenants").GetArrayLength());

        // The first tenant's session is untouched and sees only its own tenant's data.
        Assert.Equal("first-co", (await existing.GetJsonAsync("/api/v1/tenant")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task InvitingAnAddressWithAnAccountElsewhereAddsAMembershipAndAnswersLikeANewAddress()
    {
        using var other = await host.NewTenantAsync("elsewhere-co", "guest@elsewhere.example");
        // Make the account distinctive: two-factor on, so a leak of account state would show.
        var setup = await other.PostJsonAsync("/api/v1/account/2fa/setup", null, HttpStatusCode.OK);
        var secret = AccountTests.Base32Decode(setup.GetProperty("secret").GetString()!);
        await other.PostJsonAsync("/api/v1/account/2fa/enable", new { code = Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())) }, HttpStatusCode.OK);

        using var owner = await host.NewTenantAsync("inviter-co");
        var known = await owner.PostAsync("/api/v1/users", new { email = "guest@elsewhere.example", role = "admin" });
        var unknown = await owner.PostAsync("/api/v1/users", new { email = "fresh@elsewhere.example", role = "admin" });
        Assert.Equal(await AnswerAsync(unknown, "id", "email", "createdAt"), await AnswerAsync(known, "id", "email", "createdAt"));
        Assert.Equal(HttpStatusCode.Created, known.StatusCode);
        Assert.Equal("invited", (await known.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var listed = (await owner.GetJsonAsync("/api/v1/users")).GetProperty("items").EnumerateArray().Where(u => u.GetProperty("status").GetString() == "invited").ToList();
        Assert.Equal(2, listed.Count);
        Assert.All(listed, u => Assert.False(u.GetProperty("twoFactorEnabled").GetBoolean()));

        // Inviting the same address twice is a conflict inside this tenant, for either kind.
        await PortalClient.ExpectProblemAsync(await owner.PostAsync("/api/v1/users", new { email = "guest@elsewhere.example", role = "admin" }), HttpStatusCode.Conflict);
        await PortalClient.ExpectProblemAsync(await owner.PostAsync("/api/v1/users", new { email = "fresh@elsewhere.example", role = "admin" }), HttpStatusCode.Conflict);

        // The existing account accepts with its own password (and second factor) and may then choose the tenant.
        using var guest = host.NewClient();
        await PortalClient.ExpectAsync(await guest.PostAsync("/api/v1/auth/confirm-email", new { token = host.Mail.TokenFor("guest@elsewhere.example") }), HttpStatusCode.NoContent);
        host.Time.Advance(TimeSpan.FromSeconds(30));
        var inviterId = owner.TenantId;
        var login = await PortalClient.ExpectAsync(await guest.PostAsync("/api/v1/auth/login", new
        {
            email = "guest@elsewhere.example", password = "correct horse battery", tenantId = inviterId,
            totpCode = Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())),
        }), HttpStatusCode.OK);
        Assert.Equal("admin", login.GetProperty("user").GetProperty("role").GetString());
        Assert.Equal(inviterId, login.GetProperty("tenantId").GetInt64());

        // The new address chooses its first password through its link.
        using var fresh = host.NewClient();
        await PortalClient.ExpectAsync(await fresh.PostAsync("/api/v1/auth/password-reset/confirm", new { token = host.Mail.TokenFor("fresh@elsewhere.example"), newPassword = "a brand new passphrase" }), HttpStatusCode.NoContent);
        await fresh.LoginAsync("fresh@elsewhere.example", "a brand new passphrase");
    }

    [Fact]
    public async Task SignInToATenantTheAccountIsNotInAnswersLikeAWrongPassword()
    {
        using var mine = await host.NewTenantAsync("mine-only", "me@mine-only.example");
        using var theirs = await host.NewTenantAsync("theirs-only");
        using var client = host.NewClient();
        var notMine = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "me@mine-only.example", password = "correct horse battery", tenantId = theirs.TenantId }), HttpStatusCode.Unauthorized);
        var wrong = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "me@mine-only.example", password = "not the password" }), HttpStatusCode.Unauthorized);
        Assert.Equal(wrong.GetProperty("type").GetString(), notMine.GetProperty("type").GetString());
        Assert.Equal(wrong.GetProperty("detail").GetString(), notMine.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PasswordResetAndResendAnswerAlikeForKnownAndUnknownAddresses()
    {
        using var known = await host.NewTenantAsync("reset-probe", "someone@reset-probe.example");
        using var client = host.NewClient();
        foreach (var path in new[] { "/api/v1/auth/password-reset", "/api/v1/auth/confirm-email/resend" })
        {
            var a = await AnswerAsync(await client.PostAsync(path, new { email = "someone@reset-probe.example" }));
            var b = await AnswerAsync(await client.PostAsync(path, new { email = "no-one@reset-probe.example" }));
            Assert.Equal(b, a);
            Assert.Equal(HttpStatusCode.Accepted, a.Status);
        }
    }

    [Fact]
    public async Task AddingADomainPendingInAnotherTenantAnswersLikeAnUnusedOne()
    {
        using var a = await host.NewTenantAsync("pending-a");
        using var b = await host.NewTenantAsync("pending-b");
        await b.PostJsonAsync("/api/v1/domains", new { name = "contested.example" }, HttpStatusCode.Created);
        var contested = await a.PostAsync("/api/v1/domains", new { name = "contested.example" });
        var unused = await a.PostAsync("/api/v1/domains", new { name = "uncontested.example" });
        Assert.Equal(await AnswerAsync(unused, "id", "name", "displayName", "verificationRecord", "createdAt", "health"),
            await AnswerAsync(contested, "id", "name", "displayName", "verificationRecord", "createdAt", "health"));
        Assert.Equal(HttpStatusCode.Created, contested.StatusCode);

        // Verification is where ownership is decided: once B proves it, A is told it is taken (documented 409).
        var id = await host.AddVerifiedDomainAsync(b, "proven.example");
        Assert.True(id > 0);
        var taken = await PortalClient.ExpectProblemAsync(await a.PostAsync("/api/v1/domains", new { name = "proven.example" }), HttpStatusCode.Conflict);
        Assert.DoesNotContain("pending-b", taken.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMailboxOrAliasInAnotherTenantsDomainAnswersLikeAnUnknownDomain()
    {
        using var a = await host.NewTenantAsync("probe-a");
        using var b = await host.NewTenantAsync("probe-b");
        await b.PostJsonAsync("/api/v1/domains", new { name = "b-pending.example" }, HttpStatusCode.Created);
        await host.AddVerifiedDomainAsync(b, "b-verified.example");
        foreach (var (path, body) in new (string, Func<string, object>)[]
        {
            ("/api/v1/mailboxes", d => new { address = $"x@{d}", password = "a long passphrase here" }),
            ("/api/v1/aliases", d => new { address = $"x@{d}", targets = new[] { "someone@elsewhere.example" } }),
        })
        {
            var unknown = (await PortalClient.ExpectProblemAsync(await a.PostAsync(path, body("nowhere.example")), HttpStatusCode.NotFound)).GetProperty("detail").GetString()!;
            foreach (var theirs in new[] { "b-pending.example", "b-verified.example" })
            {
                var detail = (await PortalClient.ExpectProblemAsync(await a.PostAsync(path, body(theirs)), HttpStatusCode.NotFound)).GetProperty("detail").GetString()!;
                Assert.Equal(unknown.Replace("nowhere.example", theirs, StringComparison.Ordinal), detail);
            }
        }
    }

    [Fact]
    public async Task RemovingAMemberLeavesTheirOtherTenantsAlone()
    {
        using var home = await host.NewTenantAsync("home-co", "worker@home.example");
        using var boss = await host.NewTenantAsync("boss-co");
        var invited = await boss.PostJsonAsync("/api/v1/users", new { email = "worker@home.example", role = "read_only" }, HttpStatusCode.Created);
        await PortalClient.ExpectAsync(await boss.DeleteAsync($"/api/v1/users/{invited.GetProperty("id").GetInt64()}"), HttpStatusCode.NoContent);
        await host.NewClient().LoginAsync("worker@home.example", "correct horse battery");
        Assert.Equal("home-co", (await home.GetJsonAsync("/api/v1/tenant")).GetProperty("name").GetString());
    }
}
