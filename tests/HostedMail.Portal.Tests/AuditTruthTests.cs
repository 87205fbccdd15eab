using System.Net;
using System.Text.Json;
using HostedMail.Core.Accounts;
using HostedMail.Identity.Accounts;

namespace HostedMail.Portal.Tests;

/// <summary>Issue 18 item 2: the audit log records what happened, no more and no less.</summary>
public sealed class AuditTruthTests(PortalHost host) : IClassFixture<PortalHost>
{
    private static async Task<List<JsonElement>> AuditAsync(PortalClient client) =>
        [.. (await client.GetJsonAsync("/api/v1/audit?limit=200")).GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task ALoginRefusedForAnUnconfirmedAddressIsNeitherALoginNorARevokedSession()
    {
        using var client = host.NewClient();
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "audit-unconfirmed", email = "new@audit-unconfirmed.example", password = "correct horse battery" }), HttpStatusCode.Created);
        var refused = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "new@audit-unconfirmed.example", password = "correct horse battery" }), HttpStatusCode.Forbidden);
        Assert.EndsWith("email-not-confirmed", refused.GetProperty("type").GetString());

        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token = host.Mail.TokenFor("new@audit-unconfirmed.example") }), HttpStatusCode.NoContent);
        await client.LoginAsync("new@audit-unconfirmed.example", "correct horse battery");
        var actions = (await AuditAsync(client)).Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(1, actions.Count(a => a == "user.login"));
        Assert.DoesNotContain("user.session-revoke", actions);
        Assert.Single((await client.GetJsonAsync("/api/v1/account/sessions")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ALoginWithARecoveryCodeIsAuditedAsOneAndATotpLoginAsTotp()
    {
        using var client = await host.NewTenantAsync("audit-2fa");
        var setup = await client.PostJsonAsync("/api/v1/account/2fa/setup", null, HttpStatusCode.OK);
        var secret = AccountTests.Base32Decode(setup.GetProperty("secret").GetString()!);
        var enabled = await client.PostJsonAsync("/api/v1/account/2fa/enable", new { code = Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())) }, HttpStatusCode.OK);
        var code = enabled.GetProperty("recoveryCodes")[0].GetString()!;

        using var recovery = host.NewClient();
        await PortalClient.ExpectAsync(await recovery.PostAsync("/api/v1/auth/login", new { email = "owner@audit-2fa.example", password = "correct horse battery", recoveryCode = code }), HttpStatusCode.OK);
        host.Time.Advance(TimeSpan.FromSeconds(30));
        using var totp = host.NewClient();
        await totp.LoginAsync("owner@audit-2fa.example", "correct horse battery", Totp.Code(secret, Totp.StepAt(host.Time.GetUtcNow())));

        // Newest first: the TOTP login, then the recovery-code login, then the first (password only) one.
        var factors = (await AuditAsync(client)).Where(e => e.GetProperty("action").GetString() == "user.login")
            .Select(e => e.GetProperty("details").GetProperty("second_factor").GetString()).ToList();
        Assert.Equal(["totp", "recovery-code", "none"], factors);
    }
}
