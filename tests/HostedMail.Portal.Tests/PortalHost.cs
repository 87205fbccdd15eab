using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using HostedMail.Core.Aliases;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Grains.Domains;
using HostedMail.Identity;
using HostedMail.Portal.Mail;
using HostedMail.Storage;
using HostedMail.Testing;
using HostedMail.Testing.Dns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Portal.Tests;

/// <summary>
/// A real node composition (Kestrel on 127.0.0.1:0, the PostgreSQL stores on a database of its
/// own, the portal) with a DNS server on loopback, a clock the test moves and captured portal mail.
/// Mirrors NodeServices.AddHostedMailCore plus AddPortal/MapPortalApi.
/// </summary>
public sealed class PortalHost : IAsyncLifetime, IAsyncDisposable
{
    public const string MailHost = "mx.hostedmail.test";
    public const string WebHost = "portal.hostedmail.test";

    private readonly Dictionary<string, string?> _settings;
    private readonly PortalHost? _sameDatabaseAs;
    private TestDatabase? _database;
    private WebApplication? _app;
    private readonly X509Certificate2? _certificate;

    public PortalHost() : this([]) { }

    internal PortalHost(Dictionary<string, string?> settings) => _settings = settings;

    /// <summary>A node whose HTTP listener serves TLS with <paramref name="certificate"/> (BaseAddress is https).</summary>
    internal PortalHost(Dictionary<string, string?> settings, X509Certificate2 certificate) : this(settings) => _certificate = certificate;

    /// <summary>A second node: its own Kestrel and services, on the database of <paramref name="sameDatabaseAs"/> (and with its clock).</summary>
    internal PortalHost(Dictionary<string, string?> settings, PortalHost sameDatabaseAs) : this(settings)
    {
        _sameDatabaseAs = sameDatabaseAs;
        Time = sameDatabaseAs.Time;
    }

    public TestDnsServer Dns { get; } = TestDnsServer.Start();

    internal ManualTime Time { get; private init; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    internal CapturedMail Mail { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public TestDatabase Database => _database!;

    public async Task InitializeAsync()
    {
        _database = _sameDatabaseAs?.Database ?? await TestDatabase.CreateMigratedAsync();
        var builder = WebApplication.CreateSlimBuilder();
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Hostname"] = MailHost,
            ["Mail:WebHostname"] = WebHost,
            ["Mail:SpfInclude"] = "_spf.hostedmail.test",
            ["Portal:PublicUrl"] = "https://portal.hostedmail.test/",
            ["Portal:SecureCookies"] = "false",
            ["Portal:DnsServers"] = Dns.EndPoint.ToString(),
            ["Portal:DomainChecks:Enabled"] = "false",
            ["Portal:RateLimits:LoginPerMinute"] = "1000",
            ["Portal:RateLimits:SignUpPerHour"] = "1000",
            ["Portal:RateLimits:PasswordResetPerHour"] = "1000",
            ["Portal:RateLimits:ConfirmPerHour"] = "1000",
            ["Portal:RateLimits:ResendPerHour"] = "1000",
            ["Portal:RateLimits:ResetConfirmPerHour"] = "1000",
            ["Plans:free:MaxDomains"] = "3",
            ["Plans:free:MaxMailboxes"] = "3",
            ["Plans:free:MaxAliases"] = "5",
            ["Plans:free:MaxStorageBytes"] = (4L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Plans:free:MaxMessagesPerHour"] = "100",
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        if (_certificate is { } certificate)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        }
        else
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        builder.Logging.ClearProviders();
        var services = builder.Services;
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<IPortalMail>(Mail);
        services.AddHostedMailStorage(_database.ConnectionString);
        services.AddSingleton<IPasswordHasher>(new Pbkdf2PasswordHasher(1000));
        services.AddSingleton<TenantService>();
        services.AddSingleton<DomainService>();
        services.AddDomainOperations();
        services.AddSingleton<MailboxService>();
        services.AddMailboxSignIn();
        services.AddSingleton<AliasService>();
        services.AddSingleton<DkimKeyService>();
        services.AddPortal(builder.Configuration);
        _app = builder.Build();
        _app.MapPortalApi();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Dns.DisposeAsync();
        if (_database is not null && _sameDatabaseAs is null)
        {
            await _database.DisposeAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    /// <summary>A new "browser": its own cookie jar.</summary>
    internal PortalClient NewClient() => new(this);

    /// <summary>Signs up a tenant, confirms the owner's address from the captured mail, and signs in.</summary>
    internal async Task<PortalClient> NewTenantAsync(string tenantName, string? email = null, string password = "correct horse battery")
    {
        email ??= $"owner@{tenantName}.example";
        var client = NewClient();
        var signUp = await client.PostAsync("/api/v1/auth/signup", new { tenantName, email, password, displayName = "Owner" });
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        var token = Mail.TokenFor(email);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/auth/confirm-email", new { token })).StatusCode);
        await client.LoginAsync(email, password);
        client.TenantId = (await signUp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenantId").GetInt64();
        return client;
    }

    /// <summary>Adds a domain through the API, publishes its ownership record and verifies it.</summary>
    internal async Task<long> AddVerifiedDomainAsync(PortalClient client, string name)
    {
        var added = await client.PostJsonAsync("/api/v1/domains", new { name }, HttpStatusCode.Created);
        var id = added.GetProperty("id").GetInt64();
        var record = added.GetProperty("verificationRecord");
        Dns.Add(record.GetProperty("name").GetString()!, TestDnsRecord.Txt(record.GetProperty("value").GetString()!));
        var verified = await client.PostJsonAsync($"/api/v1/domains/{id}/verify", new { }, HttpStatusCode.OK);
        Assert.True(verified.GetProperty("verified").GetBoolean());
        return id;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Portal mail kept in memory so tests can follow the links.</summary>
internal sealed partial class CapturedMail : IPortalMail
{
    private readonly List<(string To, string Subject, string Text)> _sent = [];

    public IReadOnlyList<(string To, string Subject, string Text)> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public Task SendAsync(long tenantId, string to, string subject, string text, CancellationToken cancellationToken)
    {
        lock (_sent)
        {
            _sent.Add((to, subject, text));
        }

        return Task.CompletedTask;
    }

    /// <summary>The token in the newest mail to <paramref name="to"/>.</summary>
    public string TokenFor(string to) =>
        TokenPattern().Match(Sent.Last(m => m.To == to).Text) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no token mailed to " + to);

    [GeneratedRegex("#token=([a-z2-7]+)")]
    private static partial Regex TokenPattern();
}
