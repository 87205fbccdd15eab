using System.Text;
using HostedMail.Core.Audit;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core;
using HostedMail.Server.Node;
using HostedMail.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

public sealed class MessageStoreTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ServiceProvider services = null!;
    private IMessageStore store = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Security:PasswordHashIterations"] = "1000",
        }).Build();
        services = new ServiceCollection().AddHostedMailCore(configuration).BuildServiceProvider();
        store = services.GetRequiredService<IMessageStore>();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await services.DisposeAsync();

    [Fact]
    public async Task DeliveryTakesTheNextUidAndKeepsFolderCountsInTheSameTransaction()
    {
        var mailbox = await CreateMailboxAsync("counts");
        var first = await store.StoreAsync(Request(Message("one"), Inbox(mailbox)), CancellationToken.None);
        var second = await store.StoreAsync(Request(Message("two"), Inbox(mailbox, MessageFlags.Seen)), CancellationToken.None);
        Assert.Equal(1, first.Deliveries[0].Uid);
        Assert.Equal(2, second.Deliveries[0].Uid);
        Assert.True(second.Deliveries[0].ModSeq > first.Deliveries[0].ModSeq);
        var row = await QueryAsync($"SELECT uid_next || ' ' || message_count || ' ' || unseen_count || ' ' || total_size || ' ' || highest_modseq FROM folders WHERE folder_id = {first.Deliveries[0].FolderId}");
        Assert.Equal($"3 2 1 {Message("one").Size + Message("two").Size} {second.Deliveries[0].ModSeq}", row);
        Assert.Equal((Message("one").Size + Message("two").Size).ToString(System.Globalization.CultureInfo.InvariantCulture),
            await QueryAsync($"SELECT used_bytes::text FROM mailboxes WHERE mailbox_id = {mailbox.MailboxId}"));
    }

    [Fact]
    public async Task TheSameBytesAreStoredOnceAndCountedPerReference()
    {
        var a = await CreateMailboxAsync("dedupe-a");
        var b = await CreateMailboxAsync("dedupe-b", a);
        var message = Message("shared body");
        await store.StoreAsync(new StoreRequest(message, [Inbox(a), Inbox(b)], []), CancellationToken.None);
        await store.StoreAsync(Request(message, Inbox(a)), CancellationToken.None);
        Assert.Equal("1 3", await QueryAsync($"SELECT count(*) || ' ' || sum(ref_count) FROM blobs WHERE tenant_id = {a.TenantId}"));
        Assert.Equal("3", await QueryAsync($"SELECT count(*)::text FROM messages WHERE tenant_id = {a.TenantId}"));
    }

    [Fact]
    public async Task SpecialUseSelectsTheFolder()
    {
        var mailbox = await CreateMailboxAsync("junk");
        var result = await store.StoreAsync(new StoreRequest(Message("spam"), [Inbox(mailbox) with { SpecialUse = @"\Junk" }], []), CancellationToken.None);
        Assert.Equal("Junk", await QueryAsync($"SELECT name FROM folders WHERE folder_id = {result.Deliveries[0].FolderId}"));
    }

    [Fact]
    public async Task ConcurrentDeliveriesGetDistinctConsecutiveUids()
    {
        var mailbox = await CreateMailboxAsync("burst");
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => store.StoreAsync(Request(Message($"burst {i}"), Inbox(mailbox)), CancellationToken.None)));
        var uids = results.Select(r => r.Deliveries[0].Uid).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), uids);
        Assert.Equal("200 201", await QueryAsync($"SELECT message_count || ' ' || uid_next FROM folders WHERE mailbox_id = {mailbox.MailboxId} AND name = 'INBOX'"));
    }

    [Fact]
    public async Task RemoteRecipientsAreQueuedInTheSameTransaction()
    {
        var mailbox = await CreateMailboxAsync("sender");
        var submission = new OutboundSubmission(mailbox.TenantId, mailbox.MailboxId, mailbox.Address,
            [new OutboundRecipient("bob@remote.example", "FAILURE,DELAY", "rfc822;bob@remote.example"), new OutboundRecipient("carol@Other.Example", null, null)],
            "env-1", "HDRS", RequireTls: false, SmtpUtf8: false, DateTimeOffset.UtcNow.AddDays(5));
        var result = await store.StoreAsync(new StoreRequest(Message("out"), [Inbox(mailbox) with { SpecialUse = @"\Sent", Flags = MessageFlags.Seen }], [submission]), CancellationToken.None);
        Assert.Single(result.QueueIds);
        Assert.Equal("bob@remote.example remote.example queued,carol@Other.Example other.example queued",
            await QueryAsync($"SELECT string_agg(recipient || ' ' || domain || ' ' || state, ',' ORDER BY recipient) FROM outbound_recipients WHERE queue_id = {result.QueueIds[0]}"));
    }

    [Fact]
    public async Task ADeliveryToADeletedMailboxFailsWithoutHarmingItsBatchNeighbours()
    {
        var alive = await CreateMailboxAsync("alive");
        var gone = await CreateMailboxAsync("gone", alive);
        await services.GetRequiredService<IMailboxStore>().DeleteAsync(gone.TenantId, gone.MailboxId, new AuditEntry(gone.TenantId, Actor.OperatorCli, "mailbox.delete", gone.Address), CancellationToken.None);
        var tasks = Enumerable.Range(0, 20).Select(i => store.StoreAsync(Request(Message($"n{i}"), Inbox(i == 7 ? gone : alive)), CancellationToken.None)).ToList();
        var failure = await Assert.ThrowsAsync<HostedMailException>(() => tasks[7]);
        Assert.Equal(HostedMailError.NotFound, failure.Error);
        foreach (var task in tasks.Where((_, i) => i != 7))
        {
            Assert.Single((await task).Deliveries);
        }

        Assert.Equal("19", await QueryAsync($"SELECT count(*)::text FROM messages WHERE mailbox_id = {alive.MailboxId}"));
        Assert.Equal("19", await QueryAsync($"SELECT sum(ref_count)::text FROM blobs WHERE tenant_id = {alive.TenantId}"));
    }

    [Fact]
    public async Task EveryDeliveryNotifiesItsFolderAfterCommit()
    {
        var mailbox = await CreateMailboxAsync("notify");
        await using var listener = new NpgsqlConnection(database.ConnectionString);
        await listener.OpenAsync();
        var payloads = System.Threading.Channels.Channel.CreateUnbounded<string>();
        listener.Notification += (_, e) => payloads.Writer.TryWrite(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN hostedmail_folder", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var result = await store.StoreAsync(Request(Message("ping"), Inbox(mailbox)), CancellationToken.None);
        var expected = $"{mailbox.TenantId}:{result.Deliveries[0].FolderId}:{result.Deliveries[0].ModSeq}";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // Other notifications may come first; wait for ours. WaitAsync returns after each one.
        var seen = new List<string>();
        while (!seen.Contains(expected))
        {
            await listener.WaitAsync(timeout.Token);
            while (payloads.Reader.TryRead(out var payload))
            {
                seen.Add(payload);
            }
        }
    }

    private static StoreRequest Request(MessageData message, MailboxDelivery delivery) => new(message, [delivery], []);

    private static MailboxDelivery Inbox(Mailbox mailbox, MessageFlags flags = MessageFlags.None) =>
        new(mailbox.TenantId, mailbox.MailboxId, null, flags, [], DateTimeOffset.UtcNow);

    private static MessageData Message(string body) =>
        new(Encoding.ASCII.GetBytes($"From: a@example.org\r\nSubject: {body}\r\n\r\n{body}\r\n"), MessageSummary.Empty with { Subject = body });

    /// <summary>A new mailbox: in a new tenant and domain, or beside <paramref name="sibling"/>.</summary>
    private async Task<Mailbox> CreateMailboxAsync(string name, Mailbox? sibling = null)
    {
        var cli = new Cli.CliRunner(database.ConnectionString);
        var domain = sibling?.Address.Split('@')[1] ?? name + ".example";
        var tenant = sibling?.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? name + "-co";
        if (sibling is null)
        {
            await cli.OkAsync("tenant", "create", tenant);
            await cli.OkAsync("domain", "add", domain, "--tenant", tenant, "--verified");
        }

        await cli.OkAsync("mailbox", "create", $"{name}@{domain}", "--tenant", tenant, "--password", "a long enough password");
        return (await services.GetRequiredService<IMailboxStore>().ListAsync(null, null, CancellationToken.None)).Single(m => m.Address == $"{name}@{domain}");
    }

    private async Task<string> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
