using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.AppPasswords;
using HostedMail.Core.Audit;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.AppPasswords;
using HostedMail.Identity.Tokens;
using HostedMail.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>A node whose clock the test moves (the credential cache and last-used times follow it; timers stay real).</summary>
public sealed class ClockedNode : MailNode
{
    public ClockedNode()
    {
        var now = DateTimeOffset.UtcNow;
        Clock = new ManualClock(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero));
    }

    public ManualClock Clock { get; }

    public int ImapPort => EndPoint("imap").Port;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Mail:Listeners:imap:Protocol"] = "imap";
        settings["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:0";
        settings["Imap:AllowPlaintextAuthentication"] = "true";
        settings["Portal:DomainChecks:Enabled"] = "false";
        // Batches written often, so the test waits little for the background writer.
        settings["Auth:AppPasswordUse:FlushInterval"] = "00:00:00.050";
        // The test's cached logins come 90 and 100 s after the verified one: longer than the shortest
        // lifetime of a cached login under the default (a random time in [TTL/2, TTL] of 2 minutes).
        settings["Auth:CredentialCache:TimeToLive"] = "00:10:00";
        return settings;
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}

/// <summary>
/// Issue 18 item 1: an app password's lastUsedAt, as the portal API shows it, moves for logins the
/// node answers from its credential cache too, at most once a minute per app password, written in
/// the background (no database write per login).
/// </summary>
public sealed class AppPasswordLastUsedTests(ClockedNode node) : IClassFixture<ClockedNode>
{
    [Fact]
    public async Task ACachedLoginMovesLastUsedAtAtMostOnceAMinute()
    {
        using var portal = await PortalAsync();
        var created = await JsonAsync(await portal.PostAsJsonAsync("/api/v1/mailboxes", new { address = "phone@lastused.example", password = MailNode.Password }));
        var id = created.GetProperty("id").GetInt64();
        var app = await JsonAsync(await portal.PostAsJsonAsync($"/api/v1/mailboxes/{id}/app-passwords", new { name = "phone" }));
        var password = app.GetProperty("password").GetString()!;
        var usage = node.Services.GetRequiredService<AppPasswordUsage>();
        var t0 = node.Clock.GetUtcNow();

        // Verified login: recorded.
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, "phone@lastused.example", password), StringComparison.Ordinal);
        await FlushedAsync(usage);
        Assert.Equal(t0, await LastUsedAsync(portal, id));

        // From now on only the cache can accept this password: its stored hash no longer matches
        // (a change that, unlike a revocation, leaves the credential stamp alone).
        await node.QueryAsync("UPDATE app_passwords SET password_sha256 = sha256(password_sha256) WHERE mailbox_id = @m", ("m", id));

        node.Clock.Advance(TimeSpan.FromSeconds(90));
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, "phone@lastused.example", password), StringComparison.Ordinal);
        await FlushedAsync(usage);
        Assert.Equal(t0 + TimeSpan.FromSeconds(90), await LastUsedAsync(portal, id));

        // Within the minute: the login is not written again.
        node.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, "phone@lastused.example", password), StringComparison.Ordinal);
        await FlushedAsync(usage);
        Assert.Equal(t0 + TimeSpan.FromSeconds(90), await LastUsedAsync(portal, id));
    }

    private static async Task FlushedAsync(AppPasswordUsage usage)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await usage.WaitForFlushAsync(timeout.Token);
    }

    private static async Task<DateTimeOffset?> LastUsedAsync(HttpClient portal, long mailboxId)
    {
        var list = JsonDocument.Parse(await portal.GetStringAsync($"/api/v1/mailboxes/{mailboxId}/app-passwords")).RootElement.GetProperty("items");
        var lastUsed = list[0].GetProperty("lastUsedAt");
        return lastUsed.ValueKind == JsonValueKind.Null ? null : DateTimeOffset.Parse(lastUsed.GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<HttpClient> PortalAsync()
    {
        var accounts = node.Services.GetRequiredService<AccountService>();
        var signUp = await accounts.SignUpAsync("lastused", null, "owner@lastused-owner.example", "correct horse battery staple", "Owner", null);
        Assert.True(await accounts.ConfirmEmailAsync(signUp.ConfirmationToken, null));
        var owner = (await accounts.GetUserAsync(signUp.TenantId, signUp.Owner.UserId))!;
        var (_, secret) = await node.Services.GetRequiredService<ApiTokenService>().CreateAsync(owner, "tests", ApiScopes.All, null, Actor.OperatorCli);
        await node.Cli.OkAsync("domain", "add", "lastused.example", "--tenant", signUp.TenantId.ToString(CultureInfo.InvariantCulture), "--verified");
        var address = node.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var portal = new HttpClient { BaseAddress = new Uri(address) };
        portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return portal;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
