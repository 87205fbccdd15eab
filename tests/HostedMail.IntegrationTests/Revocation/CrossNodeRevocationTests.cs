using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HostedMail.Net;
using HostedMail.Testing;
using Xunit.Abstractions;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>
/// Issue 18 item 1, across node processes: a revocation made through node A's portal API (an
/// operator's <c>tenant suspend</c> for suspension, which the portal has no endpoint for) is
/// refused at the very next login on node B, a separate <c>hostedmail serve</c> process that had
/// the credential cached, on IMAP, POP3 and SMTP AUTH alike; sessions open on node B end with
/// their protocol's last word (IMAP <c>* BYE</c>, POP3 <c>-ERR</c>, SMTP <c>421</c>).
/// </summary>
public sealed class CrossNodeRevocationTests(TwoNodeCluster cluster, ITestOutputHelper output) : IClassFixture<TwoNodeCluster>
{
    private const string Password = "violet harbour compass nine";
    private const string NewPassword = "amber glacier lantern two";

    [Theory]
    [InlineData("password-change")]
    [InlineData("app-password-deleted")]
    [InlineData("mailbox-disabled")]
    [InlineData("mailbox-deleted")]
    [InlineData("tenant-suspended")]
    public async Task ARevocationThroughNodeAIsRefusedAtOnceAndEndsSessionsOnNodeB(string revocation)
    {
        var local = "r" + Guid.NewGuid().ToString("N")[..8];
        string address, credential;
        Func<Task> revoke;
        if (revocation == "tenant-suspended")
        {
            // Its own tenant: the portal tenant stays active for the other cases.
            var tenant = "susp-" + local;
            address = $"{local}@{tenant}.example";
            credential = Password;
            await cluster.Cli.OkAsync("tenant", "create", tenant);
            await cluster.Cli.OkAsync("domain", "add", $"{tenant}.example", "--tenant", tenant, "--verified");
            await cluster.Cli.OkAsync("mailbox", "create", address, "--tenant", tenant, "--password", Password);
            revoke = () => cluster.Cli.OkAsync("tenant", "suspend", tenant);
        }
        else
        {
            address = $"{local}@{TwoNodeCluster.Domain}";
            var created = await ApiAsync(HttpMethod.Post, "/api/v1/mailboxes", new { address, password = Password }, HttpStatusCode.Created);
            var id = created.GetProperty("id").GetInt64();
            credential = Password;
            if (revocation == "app-password-deleted")
            {
                var app = await ApiAsync(HttpMethod.Post, $"/api/v1/mailboxes/{id}/app-passwords", new { name = "phone" }, HttpStatusCode.Created);
                credential = app.GetProperty("password").GetString()!;
                var appId = app.GetProperty("appPassword").GetProperty("id").GetInt64();
                revoke = () => ApiAsync(HttpMethod.Delete, $"/api/v1/mailboxes/{id}/app-passwords/{appId}", null, HttpStatusCode.NoContent);
            }
            else
            {
                revoke = revocation switch
                {
                    "password-change" => () => ApiAsync(HttpMethod.Put, $"/api/v1/mailboxes/{id}/password", new { password = NewPassword }, HttpStatusCode.NoContent),
                    "mailbox-disabled" => () => ApiAsync(HttpMethod.Patch, $"/api/v1/mailboxes/{id}", new { enabled = false }, HttpStatusCode.OK),
                    _ => () => ApiAsync(HttpMethod.Delete, $"/api/v1/mailboxes/{id}", null, HttpStatusCode.NoContent),
                };
            }
        }

        // Node B verifies and caches the credential (one login per protocol), then holds a session of each.
        Assert.StartsWith("a OK", await ImapLoginAsync(address, credential), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await Pop3LoginAsync(address, credential), StringComparison.Ordinal);
        Assert.StartsWith("235 ", await SmtpAuthAsync(address, credential), StringComparison.Ordinal);
        await using var imap = await OpenImapAsync(address, credential);
        await using var pop3 = await OpenPop3Async(address, credential);
        await using var smtp = await OpenSmtpAsync(address, credential);

        await revoke();
        var revokedAt = Stopwatch.StartNew();

        // The very next login on node B, right after node A answered, is refused on every protocol.
        Assert.StartsWith("a NO", await ImapLoginAsync(address, credential), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await Pop3LoginAsync(address, credential), StringComparison.Ordinal);
        Assert.StartsWith("535 ", await SmtpAuthAsync(address, credential), StringComparison.Ordinal);

        Assert.Equal("* BYE " + MailSessionRegistry.RevokedReason, await imap.ReadLineAsync());
        Assert.Equal("-ERR [AUTH] " + MailSessionRegistry.RevokedReason, await pop3.ReadLineAsync());
        Assert.Equal("421 4.7.0 " + MailSessionRegistry.RevokedReason + "; closing connection", await smtp.ReadSmtpReplyAsync());
        // Reported, not asserted (the machine's load is not under test): how long node B took.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{revocation}: refused and sessions ended on node B {revokedAt.ElapsedMilliseconds} ms after node A answered"));
        Assert.True(await imap.IsClosedAsync());
        Assert.True(await pop3.IsClosedAsync());
        Assert.True(await smtp.IsClosedAsync());
    }

    private async Task<JsonElement> ApiAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await cluster.PortalA.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<LineClient> OpenImapAsync(string address, string password)
    {
        var imap = await LineClient.ConnectAsync(cluster.PortB("imap"));
        imap.Timeout = TimeSpan.FromSeconds(10);
        await imap.ReadLineAsync();
        Assert.StartsWith("a OK", await UntilTaggedAsync(imap, $"a LOGIN {address} \"{password}\"\r\n", "a "), StringComparison.Ordinal);
        Assert.StartsWith("b OK", await UntilTaggedAsync(imap, "b SELECT INBOX\r\n", "b "), StringComparison.Ordinal);
        await imap.SendAsync("c IDLE\r\n");
        Assert.StartsWith("+", await imap.ReadLineAsync(), StringComparison.Ordinal);
        return imap;
    }

    private async Task<LineClient> OpenPop3Async(string address, string password)
    {
        var pop3 = await LineClient.ConnectAsync(cluster.PortB("pop3"));
        pop3.Timeout = TimeSpan.FromSeconds(10);
        await pop3.ReadLineAsync();
        await pop3.SendAsync($"USER {address}\r\n");
        await pop3.ReadLineAsync();
        await pop3.SendAsync($"PASS {password}\r\n");
        Assert.StartsWith("+OK", await pop3.ReadLineAsync(), StringComparison.Ordinal);
        return pop3;
    }

    private async Task<LineClient> OpenSmtpAsync(string address, string password)
    {
        var smtp = await LineClient.ConnectAsync(cluster.PortB("submission"));
        smtp.Timeout = TimeSpan.FromSeconds(10);
        await smtp.ReadSmtpReplyAsync();
        await smtp.SmtpAsync("EHLO client.example");
        await smtp.SmtpAsync("STARTTLS");
        await smtp.StartTlsAsync();
        await smtp.SmtpAsync("EHLO client.example");
        Assert.StartsWith("235 ", await smtp.SmtpAsync("AUTH PLAIN " + Plain(address, password)), StringComparison.Ordinal);
        return smtp;
    }

    private async Task<string> ImapLoginAsync(string address, string password)
    {
        await using var client = await LineClient.ConnectAsync(cluster.PortB("imap"));
        await client.ReadLineAsync();
        return await UntilTaggedAsync(client, $"a LOGIN {address} \"{password}\"\r\n", "a ");
    }

    private async Task<string> Pop3LoginAsync(string address, string password)
    {
        await using var client = await LineClient.ConnectAsync(cluster.PortB("pop3"));
        await client.ReadLineAsync();
        await client.SendAsync($"USER {address}\r\n");
        await client.ReadLineAsync();
        await client.SendAsync($"PASS {password}\r\n");
        var answer = await client.ReadLineAsync() ?? "closed";
        await client.SendAsync("QUIT\r\n");
        await client.ReadLineAsync();
        return answer;
    }

    private async Task<string> SmtpAuthAsync(string address, string password)
    {
        await using var client = await LineClient.ConnectAsync(cluster.PortB("submission"));
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        await client.SmtpAsync("STARTTLS");
        await client.StartTlsAsync();
        await client.SmtpAsync("EHLO client.example");
        return await client.SmtpAsync("AUTH PLAIN " + Plain(address, password));
    }

    private static string Plain(string address, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{address}\0{password}"));

    private static async Task<string> UntilTaggedAsync(LineClient client, string command, string tag)
    {
        await client.SendAsync(command);
        string? line;
        while ((line = await client.ReadLineAsync()) is not null && !line.StartsWith(tag, StringComparison.Ordinal))
        {
        }

        return line ?? "closed";
    }
}
