using HostedMail.Core.Messages;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace HostedMail.Imap.Tests;

/// <summary>Two nodes on one database, and mailboxes that must never see each other.</summary>
public sealed class ClusterAndIsolationTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task ADeliveryThroughNodeAAppearsInAnIdleSessionOnNodeB()
    {
        await using var a = await ImapTestNode.StartAsync(database.ConnectionString);
        // Node B's watch of the mailbox's grain starts at SELECT; a change committed before it lands
        // reaches the session when it lands (the sessions run their change query then), so the
        // IDLE poll, far beyond the client's wait here, never has to. Push within 5 s across real
        // node processes is proven by IntegrationTests Cluster/MailboxGrainClusterTests.
        await using var b = await ImapTestNode.StartAsync(database.ConnectionString, overrides: new Dictionary<string, string?> { ["Imap:IdlePollInterval"] = "01:00:00" });
        var mailbox = await a.CreateMailboxAsync("cluster");
        await using var client = await ImapClient.LoginAsync(b.Port, mailbox.Address);
        await client.CommandAsync("SELECT INBOX");
        await client.SendAsync("A3 IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());

        // The EXISTS proves node A's delivery reached node B's session (pushed, or at worst
        // found by the poll); how fast is measured by bench/cluster (idle), not asserted here.
        await a.DeliverAsync(mailbox, ImapTestNode.Message("through node A"));
        Assert.Equal("* 1 EXISTS", await client.ReadLineAsync());
        Assert.Equal("* 1 RECENT", await client.ReadLineAsync());

        // And a flag change made through node A's IMAP arrives as FETCH on node B.
        await using var other = await ImapClient.LoginAsync(a.Port, mailbox.Address);
        await other.CommandAsync("SELECT INBOX");
        await other.CommandAsync("STORE 1 +FLAGS.SILENT (\\Flagged)");
        Assert.Equal("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))", await client.ReadLineAsync());
        await client.SendAsync("DONE\r\n");
        Assert.Equal("A3 OK IDLE terminated", await client.ReadLineAsync());
    }

    [Fact]
    public async Task AChangeCommittedBeforeNodeBsFirstWatchLandsReachesItsIdleSessionWithoutThePoll()
    {
        await using var a = await ImapTestNode.StartAsync(database.ConnectionString);
        // Node B's first watch of the mailbox's grain is held back until node A's delivery is
        // committed (and told to the grain, which does not know node B yet). The IDLE poll is an
        // hour: only the watch landing can bring the message to the session.
        var gate = new WatchGate();
        await using var b = await ImapTestNode.StartAsync(database.ConnectionString, overrides: new Dictionary<string, string?> { ["Imap:IdlePollInterval"] = "01:00:00" },
            configureServices: services => services.AddSingleton<IOutgoingGrainCallFilter>(gate));
        var mailbox = await a.CreateMailboxAsync("firstwatch");
        await using var client = await ImapClient.LoginAsync(b.Port, mailbox.Address);
        await client.CommandAsync("SELECT INBOX");
        await gate.Held.WaitAsync(TimeSpan.FromSeconds(30));
        await client.SendAsync("A3 IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());

        await a.DeliverAsync(mailbox, ImapTestNode.Message("before the watch"));
        // Node A told the mailbox's grain one-way; a call from node A after it is answered once the
        // grain has handled the change, which no watcher of node B's heard.
        var hub = a.Services.GetRequiredService<IGrainFactory>().GetGrain<IFolderChangeHubGrain>(MailboxGrainKeys.Of(mailbox.TenantId, mailbox.MailboxId));
        Assert.Equal(0, await hub.WatcherCountAsync());
        gate.Release();

        Assert.Equal("* 1 EXISTS", await client.ReadLineAsync());
        Assert.Equal("* 1 RECENT", await client.ReadLineAsync());
        await client.SendAsync("DONE\r\n");
        Assert.Equal("A3 OK IDLE terminated", await client.ReadLineAsync());
    }

    [Fact]
    public async Task AMailboxNeverSeesAnotherMailboxsFoldersInAnyTenant()
    {
        await using var node = await ImapTestNode.StartAsync(database.ConnectionString);
        var alice = await node.CreateMailboxAsync("alice");
        var mallory = await node.CreateMailboxAsync("mallory");
        await node.DeliverAsync(alice, ImapTestNode.Message("alice private", "secret words"));
        await using (var owner = await ImapClient.LoginAsync(node.Port, alice.Address))
        {
            Assert.Equal(["A2 OK CREATE completed"], await owner.CommandAsync("CREATE AlicePrivate"));
        }

        await using var client = await ImapClient.LoginAsync(node.Port, mallory.Address);
        var list = await client.CommandAsync("LIST \"\" *");
        Assert.DoesNotContain(list, l => l.Contains("AlicePrivate", StringComparison.Ordinal));
        Assert.Equal(["A3 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("SELECT AlicePrivate"));
        Assert.Equal(["A4 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("STATUS AlicePrivate (MESSAGES)"));
        Assert.Equal(["A5 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync($"STATUS \"../{alice.Address}/INBOX\" (MESSAGES)"));
        Assert.Equal(["A6 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("DELETE AlicePrivate"));
        Assert.Equal(["A7 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("RENAME AlicePrivate Mine"));
        Assert.Equal(["A8 NO [TRYCREATE] No such mailbox"], await client.CommandAsync("APPEND AlicePrivate {3+}\r\nabc"));

        // Mallory's own INBOX is empty: her FETCH and SEARCH see nothing of Alice's.
        var select = await client.CommandAsync("SELECT INBOX");
        Assert.Equal("* 0 EXISTS", select[0]);
        Assert.Equal(["A10 OK UID FETCH completed"], await client.CommandAsync("UID FETCH 1:* (BODY.PEEK[])"));
        Assert.Equal(["* SEARCH", "A11 OK UID SEARCH completed"], await client.CommandAsync("UID SEARCH TEXT secret"));
        Assert.Equal(["A12 NO [TRYCREATE] No such mailbox"], await client.CommandAsync("COPY 1 AlicePrivate"));

        // Alice still has her message and folder.
        await using var alice2 = await ImapClient.LoginAsync(node.Port, alice.Address);
        Assert.Equal("* STATUS INBOX (MESSAGES 1)", (await alice2.CommandAsync("STATUS INBOX (MESSAGES)"))[0]);
        Assert.Equal("* STATUS AlicePrivate (MESSAGES 0)", (await alice2.CommandAsync("STATUS AlicePrivate (MESSAGES)"))[0]);
    }
}

/// <summary>Holds every watch of a folder change hub (a node's watcher renewing or making its watch) until released.</summary>
internal sealed class WatchGate : IOutgoingGrainCallFilter
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first watch is being held.</summary>
    public Task Held => _held.Task;

    public void Release() => _released.TrySetResult();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod is { } method && method.DeclaringType == typeof(IFolderChangeHubGrain) && method.Name == nameof(IFolderChangeHubGrain.WatchAsync))
        {
            _held.TrySetResult();
            await _released.Task;
        }

        await context.Invoke();
    }
}
