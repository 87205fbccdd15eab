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
        var collection = new ServiceCollection().AddHostedMailCore(configuration);
        collection.AddSingleton(new RecordingNotifier(database.ConnectionString));
        collection.AddSingleton<IFolderChangeNotifier>(sp => sp.GetRequiredService<RecordingNotifier>());
        services = collection.BuildServiceProvider();
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
        var result = await store.StoreAsync(Request(Message("ping"), Inbox(mailbox)), CancellationToken.None);
        var delivered = result.Deliveries[0];
        var notifier = services.GetRequiredService<RecordingNotifier>();
        // Told with the folder and MODSEQ of the delivery, and at that moment another connection
        // already saw the message: the notification came after the commit.
        Assert.Contains((mailbox.TenantId, mailbox.MailboxId, delivered.FolderId, delivered.ModSeq, 1L), notifier.Seen);
    }

    /// <summary>Records the store's notifications and, for each, how many messages with that MODSEQ another connection sees then.</summary>
    private sealed class RecordingNotifier(string connectionString) : IFolderChangeNotifier
    {
        public System.Collections.Concurrent.ConcurrentBag<(long, long, long, long, long)> Seen { get; } = [];

        public void Changed(long tenantId, long mailboxId, long folderId, long modSeq)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"SELECT count(*) FROM messages WHERE tenant_id = {tenantId} AND folder_id = {folderId} AND modseq = {modSeq}", connection);
            Seen.Add((tenantId, mailboxId, folderId, modSeq, (long)command.ExecuteScalar()!));
        }
    }

    [Fact]
    public async Task ExpungeRemovesMessagesAndKeepsCountersUsageReferencesAndTheLogExact()
    {
        var mailbox = await CreateMailboxAsync("expunge");
        var folders = services.GetRequiredService<IFolderStore>();
        for (var i = 0; i < 4; i++)
        {
            await store.StoreAsync(Request(Message($"m{i}"), Inbox(mailbox, i == 0 ? MessageFlags.Seen : MessageFlags.None)), CancellationToken.None);
        }

        var inbox = (await folders.GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, "INBOX", CancellationToken.None))!;
        var listed = await folders.ListMessagesAsync(mailbox.TenantId, mailbox.MailboxId, inbox.FolderId, 1, CancellationToken.None);
        Assert.Equal([1L, 2, 3, 4], listed.Select(m => m.Uid));
        Assert.Equal("From: a@example.org\r\nSubject: m2\r\n\r\nm2\r\n", Encoding.ASCII.GetString((await folders.ReadBlobAsync(mailbox.TenantId, listed[2].BlobSha256, CancellationToken.None))!));

        var expunged = await folders.ExpungeAsync(mailbox.TenantId, mailbox.MailboxId, inbox.FolderId, [1, 3, 99], CancellationToken.None);
        Assert.Equal([1L, 3], expunged.Select(e => e.Uid));
        var after = (await folders.GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, "INBOX", CancellationToken.None))!;
        Assert.Equal(2, after.MessageCount);
        Assert.Equal(2, after.UnseenCount);
        Assert.Equal(Message("m1").Size + Message("m3").Size, after.TotalSize);
        Assert.Equal(expunged[0].ModSeq, after.HighestModSeq);
        Assert.Equal(after.TotalSize.ToString(System.Globalization.CultureInfo.InvariantCulture), await QueryAsync($"SELECT used_bytes::text FROM mailboxes WHERE mailbox_id = {mailbox.MailboxId}"));
        Assert.Equal("1,3", await QueryAsync($"SELECT string_agg(uid::text, ',' ORDER BY uid) FROM expunged_messages WHERE folder_id = {inbox.FolderId}"));
        Assert.Equal("0,0,1,1", await QueryAsync($"SELECT string_agg(ref_count::text, ',' ORDER BY ref_count) FROM blobs WHERE tenant_id = {mailbox.TenantId}"));
        Assert.Empty(await folders.ExpungeAsync(mailbox.TenantId, mailbox.MailboxId, inbox.FolderId, [1, 3], CancellationToken.None));
    }

    [Fact]
    public async Task AnotherTenantCannotReadOrExpungeMessages()
    {
        var victim = await CreateMailboxAsync("victim");
        var attacker = await CreateMailboxAsync("attacker");
        var folders = services.GetRequiredService<IFolderStore>();
        var stored = await store.StoreAsync(Request(Message("secret"), Inbox(victim)), CancellationToken.None);
        var folderId = stored.Deliveries[0].FolderId;
        Assert.Empty(await folders.ListMessagesAsync(attacker.TenantId, attacker.MailboxId, folderId, 1, CancellationToken.None));
        Assert.Empty(await folders.ListMessagesAsync(victim.TenantId, attacker.MailboxId, folderId, 1, CancellationToken.None));
        Assert.Null(await folders.ReadBlobAsync(attacker.TenantId, Message("secret").Sha256, CancellationToken.None));
        Assert.Empty(await folders.ExpungeAsync(attacker.TenantId, attacker.MailboxId, folderId, [1], CancellationToken.None));
        Assert.Empty(await folders.ExpungeAsync(victim.TenantId, attacker.MailboxId, folderId, [1], CancellationToken.None));
        Assert.Single(await folders.ListMessagesAsync(victim.TenantId, victim.MailboxId, folderId, 1, CancellationToken.None));
    }

    [Fact]
    public async Task MalformedMailWithNulBytesAndEightBitHeadersIsStoredWithItsCachedViews()
    {
        var mailbox = await CreateMailboxAsync("malformed");
        var raw = Encoding.Latin1.GetBytes("From: \"J\u00f6rg\0\" <j@example.org>\r\nSubject: caf\u00e9\0 \r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nno end");
        var message = MessageParsing.Prepare(raw);
        Assert.StartsWith("(NIL ", Encoding.UTF8.GetString(message.Summary.Envelope!), StringComparison.Ordinal);
        var result = await store.StoreAsync(Request(message, Inbox(mailbox)), CancellationToken.None);
        Assert.Equal(1, result.Deliveries[0].Uid);
        Assert.Equal(Convert.ToHexString(message.Summary.BodyStructure!), await QueryAsync($"SELECT upper(encode(b.body_structure, 'hex')) FROM messages m JOIN blobs b ON b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256 WHERE m.mailbox_id = {mailbox.MailboxId}"));
    }

    private static StoreRequest Request(MessageData message, MailboxDelivery delivery) => new(message, [delivery], []);

    private static MailboxDelivery Inbox(Mailbox mailbox, MessageFlags flags = MessageFlags.None) =>
        new(mailbox.TenantId, mailbox.MailboxId, null, flags, [], DateTimeOffset.UtcNow);

    private static MessageData Message(string body) =>
        new(Encoding.ASCII.GetBytes($"From: a@example.org\r\nSubject: {body}\r\n\r\n{body}\r\n"), MessageSummary.Empty with { Subject = body });

    private Task<Mailbox> CreateMailboxAsync(string name, Mailbox? sibling = null) =>
        StorageTestData.CreateMailboxAsync(database.ConnectionString, services, name, sibling);

    private Task<string> QueryAsync(string sql) => StorageTestData.QueryAsync(database.ConnectionString, sql);
}
