using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostedMail.Core.Accounts;
using HostedMail.Identity.Accounts;

namespace HostedMail.Portal.Tests;

public sealed class AccountTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task SignUpWithBadFieldsAnswersProblemWithAnErrorPerField()
    {
        using var client = host.NewClient();
        var response = await client.PostAsync("/api/v1/auth/signup", new { tenantName = "", email = "not-an-address", password = "short" });
        var problem = await PortalClient.ExpectProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("tenantName", out _));
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task LoginBeforeConfirmationIsRefusedAndTheMailedLinkConfirms()
    {
        using var client = host.NewClient();
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "unconfirmed", email = "new@unconfirmed.example", password = "correct horse battery" }), HttpStatusCode.Created);
        var refused = await client.PostAsync("/api/v1/auth/login", new { email = "new@unconfirmed.example", password = "correct horse battery" });
        var problem = await PortalClient.ExpectProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.EndsWith("email-not-confirmed", problem.GetProperty("type").GetString());
        Assert.Empty(client.Cookies.GetAllCookies());

        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token = "wrong" }), HttpStatusCode.BadRequest, "token");
        var token = host.Mail.TokenFor("new@unconfirmed.example");
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token }), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token }), HttpStatusCode.BadRequest, "token");
        await client.LoginAsync("new@unconfirmed.example", "correct horse battery");
        var session = await client.GetJsonAsync("/api/v1/auth/session");
        Assert.Equal("owner", session.GetProperty("user").GetProperty("role").GetString());
        Assert.Equal("unconfirmed", session.GetProperty("tenantName").GetString());
    }

    [Fact]
    public async Task WrongPasswordAndUnknownAddressAnswerTheSame()
    {
        using var owner = await host.NewTenantAsync("wrongpw");
        using var client = host.NewClient();
        var wrong = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "owner@wrongpw.example", password = "not the password" }), HttpStatusCode.Unauthorized);
        var unknown = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "nobody@wrongpw.example", password = "not the password" }), HttpStatusCode.Unauthorized);
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task TheAccountLocksAfterRepeatedFailuresAndUnlocksWithTime()
    {
        using var owner = await host.NewTenantAsync("lockout");
        using var client = host.NewClient();
        for (var i = 0; i < 10; i++)
        {
            await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "owner@lockout.example", password = "wrong password " + i }), HttpStatusCode.Unauthorized);
        }

        // Locked: even the right password fails now.
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "owner@lockout.example", password = "correct horse battery" }), HttpStatusCode.Unauthorized);
        host.Time.Advance(TimeSpan.FromMinutes(16));
        await client.LoginAsync("owner@lockout.example", "correct horse battery");
    }

    [Fact]
    public async Task CookieAuthenticatedChangesNeedTheCsrfToken()
    {
        using var client = await host.NewTenantAsync("csrf");
        var without = await client.SendAsync(HttpMethod.Post, "/api/v1/domains", new { name = "csrf.example" }, withCsrf: false);
        var problem = await PortalClient.ExpectProblemAsync(without, HttpStatusCode.Forbidden);
        Assert.Contains("X-CSRF-Token", problem.GetProperty("detail").GetString());
        client.Csrf = "forged";
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "csrf.example" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UnauthenticatedCallsGet401Problems()
    {
        using var client = host.NewClient();
        await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);
        client.BearerToken = "hmt_nonsense";
        var response = await client.GetAsync("/api/v1/domains");
        await PortalClient.ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task UnknownRoutesAndUnreadableBodiesAreProblems()
    {
        using var client = await host.NewTenantAsync("problems");
        await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/domains/notanumber"), HttpStatusCode.NotFound);
        using var request = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        request.Headers.Add("X-CSRF-Token", client.Csrf);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = client.Cookies }) { BaseAddress = host.BaseAddress };
        await PortalClient.ExpectProblemAsync(await http.PostAsync("/api/v1/domains", request), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task LogoutEndsTheSession()
    {
        using var client = await host.NewTenantAsync("logout");
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/logout", null), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/auth/session"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SessionsAreListedAndAnotherOneCanBeRevoked()
    {
        using var first = await host.NewTenantAsync("sessions");
        using var second = host.NewClient();
        await second.LoginAsync("owner@sessions.example", "correct horse battery");
        var sessions = (await first.GetJsonAsync("/api/v1/account/sessions")).GetProperty("items");
        Assert.Equal(2, sessions.GetArrayLength());
        var other = sessions.EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean());
        Assert.Equal("127.0.0.1", other.GetProperty("remoteAddress").GetString());
        await PortalClient.ExpectAsync(await first.DeleteAsync($"/api/v1/account/sessions/{other.GetProperty("id").GetInt64()}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await second.GetAsync("/api/v1/auth/session"), HttpStatusCode.Unauthorized);
        await PortalClient.ExpectProblemAsync(await first.DeleteAsync("/api/v1/account/sessions/999999"), HttpStatusCode.NotFound);
        await first.GetJsonAsync("/api/v1/auth/session");
    }

    [Fact]
    public async Task SessionsExpireWhenIdle()
    {
        using var client = await host.NewTenantAsync("idle");
        host.Time.Advance(TimeSpan.FromHours(13));
        try
        {
            await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/auth/session"), HttpStatusCode.Unauthorized);
        }
        finally
        {
            host.Time.Advance(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task PasswordResetSetsANewPasswordAndEndsEverySession()
    {
        using var client = await host.NewTenantAsync("reset");
        using var anonymous = host.NewClient();
        await PortalClient.ExpectAsync(await anonymous.PostAsync("/api/v1/auth/password-reset", new { email = "owner@reset.example" }), HttpStatusCode.Accepted);
        await PortalClient.ExpectAsync(await anonymous.PostAsync("/api/v1/auth/password-reset", new { email = "nobody@reset.example" }), HttpStatusCode.Accepted);
        var token = host.Mail.TokenFor("owner@reset.example");
        await PortalClient.ExpectProblemAsync(await anonymous.PostAsync("/api/v1/auth/password-reset/confirm", new { token, newPassword = "short" }), HttpStatusCode.BadRequest, "newPassword");
        await PortalClient.ExpectAsync(await anonymous.PostAsync("/api/v1/auth/password-reset/confirm", new { token, newPassword = "a brand new passphrase" }), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await anonymous.PostAsync("/api/v1/auth/password-reset/confirm", new { token, newPassword = "another new passphrase" }), HttpStatusCode.BadRequest, "token");
        await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/auth/session"), HttpStatusCode.Unauthorized);
        await anonymous.LoginAsync("owner@reset.example", "a brand new passphrase");
    }

    [Fact]
    public async Task ChangingThePasswordNeedsTheCurrentOne()
    {
        using var client = await host.NewTenantAsync("changepw");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/account/password", new { currentPassword = "wrong", newPassword = "a brand new passphrase" }), HttpStatusCode.BadRequest, "currentPassword");
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/account/password", new { currentPassword = "correct horse battery", newPassword = "a brand new passphrase" }), HttpStatusCode.NoContent);
        using var again = host.NewClient();
        await again.LoginAsync("owner@changepw.example", "a brand new passphrase");
    }

    [Fact]
    public async Task TotpTwoFactorWithRecoveryCodes()
    {
        using var client = await host.NewTenantAsync("totp");
        var setup = await client.PostJsonAsync("/api/v1/account/2fa/setup", null, HttpStatusCode.OK);
        Assert.StartsWith("otpauth://totp/", setup.GetProperty("keyUri").GetString());
        var secret = Base32Decode(setup.GetProperty("secret").GetString()!);
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/account/2fa/enable", new { code = "000000" == Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())) ? "111111" : "000000" }), HttpStatusCode.BadRequest, "code");
        var enabled = await client.PostJsonAsync("/api/v1/account/2fa/enable", new { code = Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())) }, HttpStatusCode.OK);
        var codes = enabled.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(10, codes.Length);

        using var browser = host.NewClient();
        var needs = await PortalClient.ExpectProblemAsync(await browser.PostAsync("/api/v1/auth/login", new { email = "owner@totp.example", password = "correct horse battery" }), HttpStatusCode.Unauthorized);
        Assert.EndsWith("two-factor-required", needs.GetProperty("type").GetString());

        // The code used for enrolment cannot be replayed (RFC 6238 section 5.2); the next step's can.
        await PortalClient.ExpectProblemAsync(await browser.PostAsync("/api/v1/auth/login", new { email = "owner@totp.example", password = "correct horse battery", totpCode = Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())) }), HttpStatusCode.Unauthorized);
        host.Time.Advance(TimeSpan.FromSeconds(30));
        await browser.LoginAsync("owner@totp.example", "correct horse battery", Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())));

        using var recovery = host.NewClient();
        var login = await recovery.PostAsync("/api/v1/auth/login", new { email = "owner@totp.example", password = "correct horse battery", recoveryCode = codes[0].ToUpperInvariant() });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        await PortalClient.ExpectProblemAsync(await host.NewClient().PostAsync("/api/v1/auth/login", new { email = "owner@totp.example", password = "correct horse battery", recoveryCode = codes[0] }), HttpStatusCode.Unauthorized);
        Assert.Equal(9, (await client.GetJsonAsync("/api/v1/account")).GetProperty("recoveryCodesLeft").GetInt32());

        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/account/2fa/disable", new { password = "wrong" }), HttpStatusCode.BadRequest, "password");
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/account/2fa/disable", new { password = "correct horse battery" }), HttpStatusCode.NoContent);
        await host.NewClient().LoginAsync("owner@totp.example", "correct horse battery");
    }

    [Fact]
    public async Task ApiTokensAreScopedExpiringAndRevocable()
    {
        using var client = await host.NewTenantAsync("tokens");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/account/tokens", new { name = "ci", scopes = new[] { "everything" } }), HttpStatusCode.BadRequest, "scopes");
        var created = await client.PostJsonAsync("/api/v1/account/tokens", new { name = "ci", scopes = new[] { "domains:read" }, expiresAt = host.Time.GetUtcNow().AddDays(1) }, HttpStatusCode.Created);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("hmt_", secret);
        var list = await client.GetJsonAsync("/api/v1/account/tokens");
        Assert.DoesNotContain(secret, list.ToString());

        using var bot = host.NewClient();
        bot.BearerToken = secret;
        await bot.GetJsonAsync("/api/v1/domains");
        var denied = await PortalClient.ExpectProblemAsync(await bot.PostAsync("/api/v1/domains", new { name = "bot.example" }), HttpStatusCode.Forbidden);
        Assert.Contains("domains:write", denied.GetProperty("detail").GetString());
        await PortalClient.ExpectProblemAsync(await bot.GetAsync("/api/v1/mailboxes"), HttpStatusCode.Forbidden);
        await PortalClient.ExpectProblemAsync(await bot.GetAsync("/api/v1/account/tokens"), HttpStatusCode.Forbidden);
        Assert.NotEqual(JsonValueKind.Null, (await client.GetJsonAsync("/api/v1/account/tokens")).GetProperty("items")[0].GetProperty("lastUsedAt").ValueKind);

        host.Time.Advance(TimeSpan.FromDays(2));
        await PortalClient.ExpectProblemAsync(await bot.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);

        // Two days on, the browser session has ended as well (idle timeout).
        await client.LoginAsync("owner@tokens.example", "correct horse battery");
        var second = await client.PostJsonAsync("/api/v1/account/tokens", new { name = "ci2", scopes = new[] { "domains:write" } }, HttpStatusCode.Created);
        bot.BearerToken = second.GetProperty("secret").GetString();
        await bot.GetJsonAsync("/api/v1/domains");
        await PortalClient.ExpectAsync(await client.DeleteAsync($"/api/v1/account/tokens/{second.GetProperty("token").GetProperty("id").GetInt64()}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await bot.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);
    }

    internal static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
