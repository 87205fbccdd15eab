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
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(cluster.PortB("imap"), address, credential), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await MailLogins.Pop3Async(cluster.PortB("pop3"), address, credential), StringComparison.Ordinal);
        Assert.StartsWith("235 ", await MailLogins.SmtpAsync(cluster.PortB("submission"), address, credential), StringComparison.Ordinal);
        await using var imap = await MailLogins.OpenImapAsync(cluster.PortB("imap"), address, credential);
        await using var pop3 = await MailLogins.OpenPop3Async(cluster.PortB("pop3"), address, credential);
        await using var smtp = await MailLogins.OpenSmtpAsync(cluster.PortB("submission"), address, credential);

        await revoke();
        var revokedAt = Stopwatch.StartNew();

        // The very next login on node B, right after node A answered, is refused on every protocol.
        Assert.StartsWith("a NO", await MailLogins.ImapAsync(cluster.PortB("imap"), address, credential), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await MailLogins.Pop3Async(cluster.PortB("pop3"), address, credential), StringComparison.Ordinal);
        Assert.StartsWith("535 ", await MailLogins.SmtpAsync(cluster.PortB("submission"), address, credential), StringComparison.Ordinal);

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

}
