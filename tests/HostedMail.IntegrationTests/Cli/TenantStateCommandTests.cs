using HostedMail.IntegrationTests.Fuzz;
using HostedMail.Testing;
using HostedMail.IntegrationTests.Revocation;

namespace HostedMail.IntegrationTests.Cli;

/// <summary>Issue 18 item 10: <c>hostedmail tenant set-plan|suspend|resume</c>, the real command line against a running node's database.</summary>
public sealed class TenantStateCommandTests(FuzzNode node) : IClassFixture<FuzzNode>
{
    [Fact]
    public async Task SetPlanAcceptsOnlyKnownPlansAndIsAudited()
    {
        var name = "plan-" + Guid.NewGuid().ToString("N")[..8];
        await node.Cli.OkAsync("tenant", "create", name);
        Assert.Equal($"tenant '{name}' is on plan business\n", await node.Cli.OkAsync("tenant", "set-plan", name, "Business"));
        Assert.Contains((await node.Cli.OkAsync("tenant", "list")).Split('\n'),
            l => l.Contains(name, StringComparison.Ordinal) && l.Contains("business", StringComparison.Ordinal));
        Assert.Equal("error: unknown plan 'gold'; known plans: business, free", await node.Cli.FailsAsync("tenant", "set-plan", name, "gold"));
        Assert.Equal("error: unknown tenant 'no-such-tenant'", await node.Cli.FailsAsync("tenant", "set-plan", "no-such-tenant", "free"));
        Assert.Equal("tenant.set-plan operator:cli free->business", await node.QueryAsync(
            "SELECT action || ' ' || actor || ' ' || (details->>'from') || '->' || (details->>'to') FROM audit_log WHERE action = 'tenant.set-plan' AND target = @t", ("t", name)));
    }

    [Fact]
    public async Task SuspendEndsOpenSessionsAndRefusesLoginsUntilResume()
    {
        var name = "susp-" + Guid.NewGuid().ToString("N")[..8];
        var address = $"user@{name}.example";
        await node.Cli.OkAsync("tenant", "create", name);
        await node.Cli.OkAsync("domain", "add", $"{name}.example", "--tenant", name, "--verified");
        await node.Cli.OkAsync("mailbox", "create", address, "--tenant", name, "--password", MailNode.Password);

        await using var imap = await LineClient.ConnectAsync(node.ImapPort);
        await imap.ReadLineAsync();
        Assert.StartsWith("a OK", await imap.ImapAsync($"a LOGIN {address} \"{MailNode.Password}\"\r\n", "a "), StringComparison.Ordinal);
        Assert.StartsWith("b OK", await imap.ImapAsync("b SELECT INBOX\r\n", "b "), StringComparison.Ordinal);
        await imap.SendAsync("c IDLE\r\n");
        Assert.StartsWith("+", await imap.ReadLineAsync(), StringComparison.Ordinal);

        Assert.Equal($"tenant '{name}' is suspended\n", await node.Cli.OkAsync("tenant", "suspend", name));

        Assert.Equal("* BYE " + HostedMail.Net.MailSessionRegistry.RevokedReason, await imap.ReadLineAsync());
        Assert.True(await imap.IsClosedAsync());
        Assert.StartsWith("a NO", await MailLogins.ImapAsync(node.ImapPort, address, MailNode.Password), StringComparison.Ordinal);
        Assert.Contains("suspended", await node.Cli.OkAsync("tenant", "list"), StringComparison.Ordinal);
        // Suspending twice changes nothing and says so the same way.
        Assert.Equal($"tenant '{name}' is suspended\n", await node.Cli.OkAsync("tenant", "suspend", name));

        Assert.Equal($"tenant '{name}' is active\n", await node.Cli.OkAsync("tenant", "resume", name));
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, address, MailNode.Password), StringComparison.Ordinal);
        Assert.Equal("tenant.suspend,tenant.resume", await node.QueryAsync(
            "SELECT string_agg(action, ',' ORDER BY audit_id) FROM audit_log WHERE action LIKE 'tenant.%' AND action <> 'tenant.create' AND target = @t", ("t", name)));
    }

    [Fact]
    public async Task CreationsThroughTheRunningClusterKeepToThePlansLimits()
    {
        // The CLI joins the node's cluster: the tenant's grain decides, as for the portal.
        var name = "cap-" + Guid.NewGuid().ToString("N")[..8];
        await node.Cli.OkAsync("tenant", "create", name);
        await node.Cli.OkAsync("domain", "add", $"{name}.example", "--tenant", name, "--verified");
        Assert.Equal("error: the free plan allows 1 domain(s); remove one or upgrade the plan", await node.Cli.FailsAsync("domain", "add", $"{name}-2.example", "--tenant", name));
        await node.Cli.OkAsync("mailbox", "create", $"one@{name}.example", "--tenant", name, "--password", MailNode.Password, "--quota", "4G");
        Assert.Equal("error: the free plan allows 5368709120 bytes of mailbox quota in total; this change would allocate 6442450944",
            await node.Cli.FailsAsync("mailbox", "create", $"two@{name}.example", "--tenant", name, "--password", MailNode.Password, "--quota", "2G"));
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM mailboxes m JOIN tenants t USING (tenant_id) WHERE t.name = @n", ("n", name)));
    }
}
