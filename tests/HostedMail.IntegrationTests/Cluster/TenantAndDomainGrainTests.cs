using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostedMail.IntegrationTests.Revocation;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Cluster;

/// <summary>
/// The tenant and domain grains across two real nodes (node A in this process, node B a separate
/// <c>hostedmail serve</c> process, one cluster): RCPT answered from the domain's grain sees a
/// mailbox created through node A's portal at once on node B, and a tenant's hourly sending limit
/// holds whichever node a client submits through.
/// </summary>
public sealed class TenantAndDomainGrainTests(TwoNodeCluster cluster) : IClassFixture<TwoNodeCluster>
{
    private const string Password = "violet harbour compass nine";

    [Fact]
    public async Task AMailboxCreatedThroughNodeAsPortalIsAcceptedByNodeBsSmtpAtOnce()
    {
        var local = "g" + Guid.NewGuid().ToString("N")[..8];
        var address = $"{local}@{TwoNodeCluster.Domain}";
        await using var smtp = await LineClient.ConnectAsync(cluster.PortB("smtp"));
        Assert.StartsWith("220", await smtp.ReadSmtpReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.SmtpAsync("EHLO sender.example"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.SmtpAsync("MAIL FROM:<someone@sender.example>"), StringComparison.Ordinal);
        // Node B's domain grain now holds the domain's directory, without this address.
        Assert.StartsWith("550", await smtp.SmtpAsync($"RCPT TO:<{address}>"), StringComparison.Ordinal);

        var created = await ApiAsync(HttpMethod.Post, "/api/v1/mailboxes", new { address, password = Password }, HttpStatusCode.Created);
        // The very next RCPT, same session, other node: accepted.
        Assert.StartsWith("250", await smtp.SmtpAsync($"RCPT TO:<{address}>"), StringComparison.Ordinal);

        var alias = $"{local}-team@{TwoNodeCluster.Domain}";
        Assert.StartsWith("550", await smtp.SmtpAsync($"RCPT TO:<{alias}>"), StringComparison.Ordinal);
        await ApiAsync(HttpMethod.Post, "/api/v1/aliases", new { address = alias, targets = new[] { address } }, HttpStatusCode.Created);
        Assert.StartsWith("250", await smtp.SmtpAsync($"RCPT TO:<{alias}>"), StringComparison.Ordinal);

        await ApiAsync(HttpMethod.Patch, $"/api/v1/mailboxes/{created.GetProperty("id").GetInt64()}", new { enabled = false }, HttpStatusCode.OK);
        Assert.StartsWith("550", await smtp.SmtpAsync($"RCPT TO:<{address}>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATenantsHourlySendingLimitHoldsAcrossBothNodes()
    {
        var tenant = "hourly-" + Guid.NewGuid().ToString("N")[..8];
        var address = $"sender@{tenant}.example";
        // Through the CLI, which joins the running cluster as a client.
        await cluster.Cli.OkAsync("tenant", "create", tenant, "--plan", "hourly");
        await cluster.Cli.OkAsync("domain", "add", $"{tenant}.example", "--tenant", tenant, "--verified");
        await cluster.Cli.OkAsync("mailbox", "create", address, "--tenant", tenant, "--password", Password);

        // The plan allows 3 messages an hour; submissions alternate between the nodes.
        var replies = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var port = i % 2 == 0 ? cluster.SubmissionPort : cluster.PortB("submission");
            await using var smtp = await MailLogins.OpenSmtpAsync(port, address, Password);
            Assert.StartsWith("250", await smtp.SmtpAsync($"MAIL FROM:<{address}>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.SmtpAsync($"RCPT TO:<friend{i}@remote.example>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await smtp.SmtpAsync("DATA"), StringComparison.Ordinal);
            replies.Add(await smtp.SmtpAsync($"From: <{address}>\r\nTo: <friend{i}@remote.example>\r\nSubject: hour {i}\r\n\r\nhello\r\n."));
        }

        Assert.All(replies.Take(3), r => Assert.StartsWith("250", r, StringComparison.Ordinal));
        Assert.All(replies.Skip(3), r => Assert.StartsWith("451 4.7.1", r, StringComparison.Ordinal));
        Assert.Contains("3 messages per hour", replies[3], StringComparison.Ordinal);
        Assert.Equal("3", await cluster.QueryAsync("SELECT count(*) FROM outbound_messages o JOIN tenants t ON t.tenant_id = o.tenant_id WHERE t.name = @t", ("t", tenant)));
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
