using System.Globalization;
using System.Text;
using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Outbound;
using HostedMail.Server.Node;
using HostedMail.Smtp.Outbound;
using HostedMail.Storage.Stores;
using HostedMail.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>
/// Nothing grows forever: the content of deleted mail goes once nothing refers to it
/// (<see cref="UnreferencedBlobCollector"/>), and finished outbound messages go after
/// <see cref="OutboundOptions.History"/> (<see cref="OutboundHistoryPruner"/>), taking their content.
/// </summary>
public sealed class StorageRetentionTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ServiceProvider _services = null!;

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Security:PasswordHashIterations"] = "1000",
        }).Build();
        var collection = new ServiceCollection().AddHostedMailCore(configuration);
        collection.AddSingleton<IFolderChangeNotifier, NoNotifier>();
        _services = collection.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private IMessageStore Store => _services.GetRequiredService<IMessageStore>();

    private IFolderStore Folders => _services.GetRequiredService<IFolderStore>();

    private UnreferencedBlobCollector Collector => new(_services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System, NullLogger<UnreferencedBlobCollector>.Instance);

    [Fact]
    public async Task DeletedMailsContentGoesOnceNoMessageRefersToIt()
    {
        var a = await CreateMailboxAsync("keep-a");
        var b = await CreateMailboxAsync("keep-b", a);
        var shared = Message("shared");
        var own = Message("own");
        await Store.StoreAsync(new StoreRequest(shared, [Inbox(a), Inbox(b)], []), CancellationToken.None);
        await Store.StoreAsync(new StoreRequest(own, [Inbox(a)], []), CancellationToken.None);
        await SearchTextRowAsync(a, own);
        Assert.Equal("2 1", await RefCountsAsync(a, shared, own));

        // a expunges both: its own content goes (with its search text), the shared one stays for b.
        await ExpungeAllAsync(a);
        Assert.Equal("1 0", await RefCountsAsync(a, shared, own));
        Assert.Equal(1, await Collector.CollectAsync(CancellationToken.None));
        Assert.Equal("1 -", await RefCountsAsync(a, shared, own));
        Assert.Equal("0", await QueryAsync($"SELECT count(*) FROM message_text WHERE tenant_id = {a.TenantId}"));
        Assert.Equal(shared.Bytes.ToArray(), await ReadOnlyMessageAsync(b));

        // b's mailbox is deleted: nothing refers to the shared content any more.
        await _services.GetRequiredService<IMailboxStore>().DeleteAsync(b.TenantId, b.MailboxId, new AuditEntry(b.TenantId, Actor.OperatorCli, "mailbox.delete", b.Address), CancellationToken.None);
        Assert.Equal(1, await Collector.CollectAsync(CancellationToken.None));
        Assert.Equal("- -", await RefCountsAsync(a, shared, own));

        // The same content delivered again after its blob went is stored whole again.
        await Store.StoreAsync(new StoreRequest(shared, [Inbox(a)], []), CancellationToken.None);
        Assert.Equal(shared.Bytes.ToArray(), await ReadOnlyMessageAsync(a));
        Assert.Equal("1 -", await RefCountsAsync(a, shared, own));
    }

    [Fact]
    public async Task BlobsMessagesStillHoldAreKeptWhateverTheirCountSaysAndDoNotHoldUpTheRest()
    {
        var mailbox = await CreateMailboxAsync("drift");
        var held = Enumerable.Range(0, 4).Select(i => Message("held" + i)).ToArray();
        foreach (var message in held)
        {
            await Store.StoreAsync(new StoreRequest(message, [Inbox(mailbox)], []), CancellationToken.None);
        }

        var other = await CreateMailboxAsync("drift-other", mailbox);
        var free = Message("free");
        await Store.StoreAsync(new StoreRequest(free, [Inbox(other)], []), CancellationToken.None);
        await ExpungeAllAsync(other);
        // A count gone wrong: the four blobs still have their messages.
        await QueryAsync($"UPDATE blobs SET ref_count = 0 WHERE tenant_id = {mailbox.TenantId} RETURNING 1");

        // One blob per statement: the free one is found wherever it sorts among the held ones.
        var collector = new UnreferencedBlobCollector(_services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System, NullLogger<UnreferencedBlobCollector>.Instance) { BatchSize = 1 };
        Assert.Equal(1, await collector.CollectAsync(CancellationToken.None));
        Assert.Equal("0 0 0 0 -", await RefCountsAsync(mailbox, [.. held, free]));
        Assert.Equal(held[2].Bytes.ToArray(), await ReadBlobAsync(mailbox, held[2]));
    }

    [Fact]
    public async Task ASentMessagesContentStaysUntilItsTrackingRecordExpires()
    {
        var sender = await CreateMailboxAsync("sender");
        var message = Message("sent");
        var submission = new OutboundSubmission(sender.TenantId, sender.MailboxId, sender.Address, [new OutboundRecipient("bob@remote.example", null, null)],
            null, null, RequireTls: false, SmtpUtf8: false, DateTimeOffset.UtcNow.AddDays(5));
        var queued = (await Store.StoreAsync(new StoreRequest(message, [], [submission]), CancellationToken.None)).QueueIds.Single();

        // Delivered: the queue releases its reference, but the record (message tracking) still names the blob.
        var queue = _services.GetRequiredService<IOutboundQueue>();
        var claimed = (await queue.ClaimAsync("test-node", DateTimeOffset.UtcNow.AddSeconds(1), TimeSpan.FromMinutes(5), 100, CancellationToken.None)).Single(m => m.QueueId == queued);
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(1, await queue.RecordAsync(claimed, [new RecipientResult("bob@remote.example", DeliveryOutcome.Delivered, "250 ok", now, null, "mx.remote.example", "192.0.2.1", null, null, TimeSpan.FromMilliseconds(5), "test-node")], CancellationToken.None));
        Assert.Equal("0", await RefCountsAsync(sender, message));
        Assert.Equal(0, await Collector.CollectAsync(CancellationToken.None));
        Assert.Equal("0", await RefCountsAsync(sender, message));

        // A day later (less than the least history kept) nothing goes; past the history the record, its log and then its content do.
        var pruner = new OutboundHistoryPruner(queue, new OutboundOptions { History = TimeSpan.FromHours(1) }, TimeProvider.System, NullLogger<OutboundHistoryPruner>.Instance);
        await QueryAsync($"UPDATE outbound_messages SET finished_at = now() - interval '1 day' WHERE queue_id = {queued} RETURNING 1");
        Assert.Equal(0, await pruner.PruneAsync(CancellationToken.None));
        await QueryAsync($"UPDATE outbound_messages SET finished_at = now() - interval '3 days' WHERE queue_id = {queued} RETURNING 1");
        Assert.Equal(1, await pruner.PruneAsync(CancellationToken.None));
        Assert.Equal("0 0 0", await QueryAsync($"SELECT (SELECT count(*) FROM outbound_messages WHERE queue_id = {queued}) || ' ' || (SELECT count(*) FROM outbound_recipients WHERE queue_id = {queued}) || ' ' || (SELECT count(*) FROM outbound_delivery_log WHERE queue_id = {queued})"));
        Assert.Equal(1, await Collector.CollectAsync(CancellationToken.None));
        Assert.Equal("-", await RefCountsAsync(sender, message));
    }

    [Fact]
    public async Task ExpiredPortalSessionsAndLinksAreDeletedAndLiveOnesKept()
    {
        var tenant = (await CreateMailboxAsync("portal")).TenantId;
        var accounts = _services.GetRequiredService<HostedMail.Core.Accounts.IAccountStore>();
        var audit = new AuditEntry(tenant, Actor.OperatorCli, "test", "portal");
        var (user, _) = await accounts.CreateUserAsync(tenant, "admin@portal.example", null, HostedMail.Core.Accounts.PortalRole.Admin, audit, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        byte[] Token(int i) => System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i + (tenant << 8)));
        await accounts.CreateSessionAsync(tenant, user.UserId, Token(1), "csrf-1", now.AddDays(-31), now.AddMinutes(-1), System.Net.IPAddress.Loopback, "old browser", audit, CancellationToken.None);
        var live = await accounts.CreateSessionAsync(tenant, user.UserId, Token(2), "csrf-2", now, now.AddDays(1), System.Net.IPAddress.Loopback, "new browser", audit, CancellationToken.None);
        await accounts.CreateUserTokenAsync(tenant, user.UserId, HostedMail.Core.Accounts.UserTokenPurpose.ResetPassword, Token(3), now.AddDays(-2), now.AddDays(-1), CancellationToken.None);
        await accounts.CreateUserTokenAsync(tenant, user.UserId, HostedMail.Core.Accounts.UserTokenPurpose.ConfirmEmail, Token(4), now, now.AddDays(1), CancellationToken.None);

        var sweeper = new HostedMail.Identity.Accounts.ExpiredPortalRecordsSweeper(accounts, TimeProvider.System, NullLogger<HostedMail.Identity.Accounts.ExpiredPortalRecordsSweeper>.Instance);
        Assert.Equal((1, 1), await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal("new browser", await QueryAsync($"SELECT string_agg(user_agent, ',') FROM portal_sessions WHERE tenant_id = {tenant}"));
        Assert.Equal(live.SessionId, (await accounts.FindSessionAsync(Token(2), now, CancellationToken.None))?.Session.SessionId);
        Assert.NotNull(await accounts.ConsumeUserTokenAsync(Token(4), HostedMail.Core.Accounts.UserTokenPurpose.ConfirmEmail, now, CancellationToken.None));
        Assert.Equal((0, 0), await sweeper.SweepAsync(CancellationToken.None));
    }

    private async Task ExpungeAllAsync(Mailbox mailbox)
    {
        var inbox = (await Folders.GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, "INBOX", CancellationToken.None))!;
        var uids = (await Folders.ListMessagesAsync(mailbox.TenantId, mailbox.MailboxId, inbox.FolderId, 1, CancellationToken.None)).Select(m => m.Uid).ToList();
        Assert.Equal(uids.Count, (await Folders.ExpungeAsync(mailbox.TenantId, mailbox.MailboxId, inbox.FolderId, uids, CancellationToken.None)).Count);
    }

    private async Task<byte[]> ReadBlobAsync(Mailbox mailbox, MessageData message) =>
        (await Folders.ReadBlobAsync(mailbox.TenantId, message.Sha256, CancellationToken.None))!;

    private async Task<byte[]> ReadOnlyMessageAsync(Mailbox mailbox)
    {
        var inbox = (await Folders.GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, "INBOX", CancellationToken.None))!;
        var message = (await Folders.ListMessagesAsync(mailbox.TenantId, mailbox.MailboxId, inbox.FolderId, 1, CancellationToken.None)).Single();
        return (await Folders.ReadBlobAsync(mailbox.TenantId, message.BlobSha256, CancellationToken.None))!;
    }

    /// <summary>Gives the message a search-text row (SEARCH extracts one on first use), which must go with its blob.</summary>
    private Task SearchTextRowAsync(Mailbox mailbox, MessageData message) =>
        QueryAsync($"INSERT INTO message_text (tenant_id, blob_sha256, headers, body) VALUES ({mailbox.TenantId}, decode('{Convert.ToHexString(message.Sha256)}', 'hex'), '', 'body') RETURNING 1");

    /// <summary>Each message's blob's ref_count in the mailbox's tenant, "-" where there is no blob, space-separated.</summary>
    private async Task<string> RefCountsAsync(Mailbox mailbox, params MessageData[] messages)
    {
        var counts = new List<string>();
        foreach (var message in messages)
        {
            var count = await QueryAsync($"SELECT ref_count FROM blobs WHERE tenant_id = {mailbox.TenantId} AND sha256 = decode('{Convert.ToHexString(message.Sha256)}', 'hex')");
            counts.Add(count.Length == 0 ? "-" : count);
        }

        return string.Join(' ', counts);
    }

    private static MailboxDelivery Inbox(Mailbox mailbox) => new(mailbox.TenantId, mailbox.MailboxId, null, MessageFlags.None, [], DateTimeOffset.UtcNow);

    private static MessageData Message(string subject) =>
        new(Encoding.ASCII.GetBytes($"From: a@example.org\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n"), MessageSummary.Empty with { Subject = subject });

    private Task<Mailbox> CreateMailboxAsync(string name, Mailbox? sibling = null) =>
        StorageTestData.CreateMailboxAsync(database.ConnectionString, _services, name, sibling);

    private Task<string> QueryAsync(string sql) => StorageTestData.QueryAsync(database.ConnectionString, sql);

    private sealed class NoNotifier : IFolderChangeNotifier
    {
        public void Changed(long tenantId, long mailboxId, long folderId, long modSeq)
        {
        }
    }
}
