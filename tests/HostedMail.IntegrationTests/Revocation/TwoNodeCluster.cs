using System.Globalization;
using System.Net.Http.Headers;
using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.Audit;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.Tokens;
using HostedMail.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>
/// Two nodes on one database: node A in this process (its portal API is where tenants change
/// things) and node B, a separate <c>hostedmail serve</c> process on fixed non-standard ports
/// with every mail listener (SMTP, submission, submissions, IMAP, IMAPS, POP3, POP3S). A portal
/// tenant with a verified domain and an API token for node A's portal is ready.
/// </summary>
public sealed class TwoNodeCluster : MailNode, IAsyncLifetime
{
    public const string Domain = "cross.example";

    private readonly Dictionary<string, int> ports = new()
    {
        ["http"] = FreePorts.Next(),
        ["smtp"] = FreePorts.Next(),
        ["submission"] = FreePorts.Next(),
        ["submissions"] = FreePorts.Next(),
        ["imap"] = FreePorts.Next(),
        ["imaps"] = FreePorts.Next(),
        ["pop3"] = FreePorts.Next(),
        ["pop3s"] = FreePorts.Next(),
    };

    private NodeProcess? nodeB;

    /// <summary>Node B's port for a listener name (or "http").</summary>
    public int PortB(string name) => ports[name];

    /// <summary>Node A's portal API, signed in with an API token of the portal tenant's owner.</summary>
    public HttpClient PortalA { get; private set; } = null!;

    public string PortalTenant { get; } = "cross-" + Guid.NewGuid().ToString("N")[..8];

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Mail:Listeners:imap:Protocol"] = "imap";
        settings["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:pop3:Protocol"] = "pop3";
        settings["Mail:Listeners:pop3:Endpoint"] = "127.0.0.1:0";
        settings["Portal:DomainChecks:Enabled"] = "false";
        settings["Portal:SecureCookies"] = "false";
        // The built-in plans, plus one whose hourly sending limit tests reach in a few messages.
        foreach (var (plan, limits) in new[] { ("free", new[] { "1", "5", "20", "5368709120", "100" }), ("business", new[] { "20", "500", "5000", "536870912000", "2000" }), ("hourly", new[] { "5", "50", "50", "536870912000", "3" }) })
        {
            settings[$"Plans:{plan}:MaxDomains"] = limits[0];
            settings[$"Plans:{plan}:MaxMailboxes"] = limits[1];
            settings[$"Plans:{plan}:MaxAliases"] = limits[2];
            settings[$"Plans:{plan}:MaxStorageBytes"] = limits[3];
            settings[$"Plans:{plan}:MaxMessagesPerHour"] = limits[4];
        }

        return settings;
    }

    /// <summary>Node B's settings: node A's, on fixed ports, plain-text logins allowed (tests), penalties off (tests fail logins on purpose).</summary>
    public Dictionary<string, string> SettingsB()
    {
        var settings = Settings();
        settings["Http:Urls"] = $"http://127.0.0.1:{ports["http"]}";
        settings["Database:MigrateOnStart"] = "false";
        foreach (var (name, protocol, tls) in new[]
        {
            ("smtp", "smtp", false), ("submission", "smtp", false), ("submissions", "smtp", true),
            ("imap", "imap", false), ("imaps", "imap", true), ("pop3", "pop3", false), ("pop3s", "pop3", true),
        })
        {
            settings[$"Mail:Listeners:{name}:Protocol"] = protocol;
            settings[$"Mail:Listeners:{name}:Endpoint"] = $"127.0.0.1:{ports[name]}";
            settings[$"Mail:Listeners:{name}:ImplicitTls"] = tls ? "true" : "false";
            settings[$"Mail:Listeners:{name}:MaxConnectionsPerAddress"] = "200";
        }

        settings["Mail:Hostname"] = Hostname;
        settings["Imap:AllowPlaintextAuthentication"] = "true";
        settings["Pop3:AllowPlaintextAuthentication"] = "true";
        settings["Auth:Penalties:FreeFailures"] = "1000000";
        settings["Auth:Penalties:AddressLockoutThreshold"] = "1000000";
        settings["Auth:Penalties:UsernameLockoutThreshold"] = "1000000";
        return settings.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!);
    }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var accounts = Services.GetRequiredService<AccountService>();
        var signUp = await accounts.SignUpAsync(PortalTenant, null, $"owner@{PortalTenant}.example", "correct horse battery staple", "Owner", null);
        Assert.True(await accounts.ConfirmEmailAsync(signUp.ConfirmationToken, null));
        var owner = (await accounts.GetUserAsync(signUp.TenantId, signUp.Owner.UserId))!;
        var (_, secret) = await Services.GetRequiredService<ApiTokenService>().CreateAsync(owner, "tests", ApiScopes.All, null, Actor.OperatorCli);
        var tenant = signUp.TenantId.ToString(CultureInfo.InvariantCulture);
        await Cli.OkAsync("tenant", "set-plan", tenant, "business");
        await Cli.OkAsync("domain", "add", Domain, "--tenant", tenant, "--verified");

        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        PortalA = new HttpClient { BaseAddress = new Uri(address) };
        PortalA.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        nodeB = await NodeProcess.StartAsync(SettingsB(), ports["http"]);
    }

    public new async Task DisposeAsync()
    {
        if (nodeB is not null)
        {
            await nodeB.DisposeAsync();
        }

        PortalA?.Dispose();
        await base.DisposeAsync();
    }
}
