using System.Text.Json;
using HostedMail.Net;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Operations;

/// <summary>
/// Issue 14 item 4, logs of a real <c>hostedmail serve</c> process: the environment named as
/// configured, readable lines in Development and JSON lines otherwise, mail listeners announced as
/// what they are (no "Now listening on: http://" for a mail port), and no secret printed.
/// </summary>
public sealed class NodeLogTests : IAsyncLifetime
{
    private const string OperatorToken = "log-test-operator-token-51d2";
    private const string DataProtectionKey = MailNode.DataProtectionKey;
    private readonly string directory = Directory.CreateTempSubdirectory("hm-logs-").FullName;
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateMigratedAsync();

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task ADevelopmentNodeSaysDevelopmentInReadableLinesAndNamesItsMailListeners()
    {
        var (settings, httpPort, imapPort) = Settings();
        settings["Environment"] = "Development";
        await using var node = await NodeProcess.StartAsync(settings, httpPort);

        var started = await node.WaitForOutputAsync("HostedMail node started", TimeSpan.FromSeconds(30));
        Assert.Contains("in the Development environment", started, StringComparison.Ordinal);
        Assert.False(started.TrimStart().StartsWith('{'), started);
        var imap = await node.WaitForOutputAsync("IMAP listening on", TimeSpan.FromSeconds(5));
        Assert.Contains($"IMAP listening on 127.0.0.1:{imapPort} (STARTTLS) as imap", imap, StringComparison.Ordinal);
        await node.WaitForOutputAsync($"HTTP listening on http://127.0.0.1:{httpPort}", TimeSpan.FromSeconds(5));
        AssertNothingMisleadingOrSecret(node, imapPort);
    }

    [Fact]
    public async Task AProductionNodeWritesJsonLines()
    {
        var (settings, httpPort, imapPort) = Settings();
        await using var node = await NodeProcess.StartAsync(settings, httpPort);

        var started = await node.WaitForOutputAsync("HostedMail node started", TimeSpan.FromSeconds(30));
        using var json = JsonDocument.Parse(started);
        Assert.Equal(9002, json.RootElement.GetProperty("EventId").GetInt32());
        Assert.Contains("in the Production environment", json.RootElement.GetProperty("Message").GetString(), StringComparison.Ordinal);
        var imap = await node.WaitForOutputAsync("IMAP listening on", TimeSpan.FromSeconds(5));
        using var imapJson = JsonDocument.Parse(imap);
        Assert.Equal($"IMAP listening on 127.0.0.1:{imapPort} (STARTTLS) as imap", imapJson.RootElement.GetProperty("Message").GetString());
        AssertNothingMisleadingOrSecret(node, imapPort);
    }

    private static void AssertNothingMisleadingOrSecret(NodeProcess node, int imapPort)
    {
        var output = node.Output.ToList();
        Assert.DoesNotContain(output, l => l.Contains($"http://127.0.0.1:{imapPort}", StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.Contains("Now listening on", StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.Contains(OperatorToken, StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.Contains(DataProtectionKey, StringComparison.Ordinal));
    }

    private (Dictionary<string, string> Settings, int HttpPort, int ImapPort) Settings()
    {
        var httpPort = FreePorts.Next();
        var imapPort = FreePorts.Next();
        var (certificate, key) = TestCertificates.WritePemPair(directory, MailNode.Hostname);
        var settings = new Dictionary<string, string>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Http:Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Mail:Listeners:imap:Protocol"] = "imap",
            ["Mail:Listeners:imap:Endpoint"] = $"127.0.0.1:{imapPort}",
            ["Tls:Certificates:0:CertificatePath"] = certificate,
            ["Tls:Certificates:0:KeyPath"] = key,
            ["Security:PasswordHashIterations"] = "1000",
            ["Dns:Servers:0"] = "127.0.0.1:9",
            ["Operator:Token"] = OperatorToken,
            ["DataProtection:EncryptionKey"] = DataProtectionKey,
        };
        return (settings, httpPort, imapPort);
    }
}
