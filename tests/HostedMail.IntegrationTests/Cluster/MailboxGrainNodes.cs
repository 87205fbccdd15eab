using System.Globalization;
using HostedMail.Core.Messages;
using HostedMail.Net;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Core.Internal;
using Orleans.Runtime;

namespace HostedMail.IntegrationTests.Cluster;

/// <summary>
/// Two nodes on one database, one cluster: node A in this process (so the test can ask the
/// cluster where a grain lives) and node B, a separate <c>hostedmail serve</c> process that can be
/// SIGKILLed and started again on the same ports. Both serve SMTP (MX), IMAP and POP3.
/// </summary>
public sealed class MailboxGrainNodes : MailNode, IAsyncLifetime
{
    private readonly Dictionary<string, int> ports = new()
    {
        ["http"] = FreePorts.Next(),
        ["smtp"] = FreePorts.Next(),
        ["imap"] = FreePorts.Next(),
        ["pop3"] = FreePorts.Next(),
    };

    public NodeProcess? B { get; private set; }

    public int PortB(string name) => ports[name];

    public int ImapA => EndPoint("imap").Port;

    public int Pop3A => EndPoint("pop3").Port;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Mail:Listeners:imap:Protocol"] = "imap";
        settings["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:pop3:Protocol"] = "pop3";
        settings["Mail:Listeners:pop3:Endpoint"] = "127.0.0.1:0";
        settings["Imap:AllowPlaintextAuthentication"] = "true";
        settings["Pop3:AllowPlaintextAuthentication"] = "true";
        settings["Portal:DomainChecks:Enabled"] = "false";
        settings["Auth:Penalties:FreeFailures"] = "1000000";
        settings["Auth:Penalties:AddressLockoutThreshold"] = "1000000";
        settings["Auth:Penalties:UsernameLockoutThreshold"] = "1000000";
        return settings;
    }

    private Dictionary<string, string> SettingsB()
    {
        var settings = Settings();
        settings["Http:Urls"] = $"http://127.0.0.1:{ports["http"]}";
        settings["Database:MigrateOnStart"] = "false";
        foreach (var (name, protocol) in new[] { ("smtp", "smtp"), ("imap", "imap"), ("pop3", "pop3") })
        {
            settings[$"Mail:Listeners:{name}:Protocol"] = protocol;
            settings[$"Mail:Listeners:{name}:Endpoint"] = $"127.0.0.1:{ports[name]}";
            settings[$"Mail:Listeners:{name}:MaxConnectionsPerAddress"] = "200";
        }

        settings.Remove("Mail:Listeners:submission:Protocol");
        settings.Remove("Mail:Listeners:submission:Endpoint");
        settings.Remove("Mail:Listeners:submissions:Protocol");
        settings.Remove("Mail:Listeners:submissions:Endpoint");
        return settings.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!);
    }

    public async Task StartBAsync() => B = await NodeProcess.StartAsync(SettingsB(), ports["http"]);

    public new async Task DisposeAsync()
    {
        if (B is not null)
        {
            await B.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    public async Task<(long TenantId, long MailboxId)> MailboxAsync(string address)
    {
        var ids = (await QueryAsync("SELECT tenant_id::text || '/' || mailbox_id::text FROM mailboxes WHERE address = @a", ("a", address)))!.Split('/');
        return (long.Parse(ids[0], CultureInfo.InvariantCulture), long.Parse(ids[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Where the mailbox's grain lives now: true for node A (this process), false for B, null when not active.</summary>
    public async Task<bool?> GrainOnAAsync(long tenantId, long mailboxId)
    {
        var grains = Services.GetRequiredService<IGrainFactory>();
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(tenantId, mailboxId)));
        return host is null ? null : host.Equals(Services.GetRequiredService<ILocalSiloDetails>().SiloAddress);
    }

    /// <summary>Deactivates the mailbox's grain wherever it is (its watchers watch the next activation).</summary>
    public async Task DeactivateAsync(long tenantId, long mailboxId) =>
        await Services.GetRequiredService<IGrainFactory>().GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(tenantId, mailboxId)).AsReference<IGrainManagementExtension>().DeactivateOnIdle();

    /// <summary>One message over SMTP (MX); true when the server acknowledged it with 250.</summary>
    public static async Task<bool> DeliverAsync(int port, string recipient, string subject)
    {
        try
        {
            await using var smtp = await LineClient.ConnectAsync(port);
            smtp.Timeout = TimeSpan.FromSeconds(20);
            await smtp.ReadSmtpReplyAsync();
            await smtp.SmtpAsync("EHLO client.example");
            await smtp.SmtpAsync("MAIL FROM:<sender@sender.example>");
            if (!(await smtp.SmtpAsync($"RCPT TO:<{recipient}>")).StartsWith("250", StringComparison.Ordinal)
                || !(await smtp.SmtpAsync("DATA")).StartsWith("354", StringComparison.Ordinal))
            {
                return false;
            }

            await smtp.SendAsync($"From: sender@sender.example\r\nTo: {recipient}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@sender.example>\r\n\r\nbody\r\n.\r\n");
            return (await smtp.ReadSmtpReplyAsync()).StartsWith("250", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            // The node died during the transaction: not acknowledged.
            return false;
        }
    }

    /// <summary>
    /// Delivers, trying again while the cluster recovers from a node's death: until membership
    /// declares it dead, a grain that lived there (the domain's, which answers RCPT) is
    /// unreachable and RCPT answers 4xx, which a real sender retries too. False after <paramref name="within"/>.
    /// </summary>
    public static async Task<bool> DeliverEventuallyAsync(int port, string recipient, string subject, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await DeliverAsync(port, recipient, subject))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>Reads an IDLE session's lines until one is <c>* n EXISTS</c> with n at least <paramref name="atLeast"/>; fails after <paramref name="within"/>.</summary>
    public static async Task<int> ExistsAsync(LineClient idle, int atLeast, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        while (true)
        {
            var line = await idle.ReadLineAsync().WaitAsync(deadline.Token) ?? throw new InvalidOperationException("the IDLE session ended");
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "*" && parts[2] == "EXISTS" && int.Parse(parts[1], CultureInfo.InvariantCulture) >= atLeast)
            {
                return int.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
    }
}
