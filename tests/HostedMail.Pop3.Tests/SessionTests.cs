using System.Globalization;
using System.Text;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Testing;

namespace HostedMail.Pop3.Tests;

/// <summary>Scripted raw-socket conversations against real listeners, with exact responses.</summary>
public sealed class SessionTests(Pop3Cluster cluster) : IClassFixture<Pop3Cluster>
{
    private const string Message1 = "From: a@example.org\r\nSubject: one\r\n\r\nfirst line\r\n.dotted\r\nlast\r\n";
    private const string Message2 = "Subject: two\r\n\r\nbody two\r\n";
    private const string Message3 = "Subject: three\r\n\r\nbody three\r\n";

    private static int Size(string message) => Encoding.UTF8.GetByteCount(message);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private async Task<(Mailbox Mailbox, long[] Uids)> MailboxWithMessagesAsync(string name, params string[] messages)
    {
        var mailbox = await cluster.Lenient.CreateMailboxAsync(name);
        var uids = new List<long>();
        foreach (var message in messages)
        {
            uids.Add(await cluster.Lenient.DeliverAsync(mailbox, message));
        }

        return (mailbox, [.. uids]);
    }

    private static async Task<RawClient> LoginAsync(int port, Mailbox mailbox, bool implicitTls = false)
    {
        var client = await RawClient.ConnectAsync(port, implicitTls);
        Assert.Equal("+OK pop.test POP3 server ready", await client.ReadLineAsync());
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + mailbox.Address));
        Assert.StartsWith("+OK Logged in, ", await client.CommandAsync("PASS " + Pop3TestNode.Password), StringComparison.Ordinal);
        return client;
    }

    [Fact]
    public async Task AFullSessionAnswersEveryMaildropCommandExactlyAndQuitRemovesTheDeletedMessages()
    {
        var (mailbox, uids) = await MailboxWithMessagesAsync("full", Message1, Message2, Message3);
        var folder = await cluster.Lenient.InboxAsync(mailbox);
        var v = folder.UidValidity;
        var total = Size(Message1) + Size(Message2) + Size(Message3);
        await using (var client = await RawClient.ConnectAsync(cluster.Lenient.Port))
        {
            Assert.Equal("+OK pop.test POP3 server ready", await client.ReadLineAsync());
            Assert.Equal("+OK Send PASS", await client.CommandAsync("USER full@full.example"));
            Assert.Equal(Invariant($"+OK Logged in, 3 messages ({total} octets)"), await client.CommandAsync("PASS " + Pop3TestNode.Password));
            Assert.Equal(Invariant($"+OK 3 {total}"), await client.CommandAsync("STAT"));

            Assert.Equal(Invariant($"+OK 3 messages ({total} octets)"), await client.CommandAsync("LIST"));
            Assert.Equal([Invariant($"1 {Size(Message1)}"), Invariant($"2 {Size(Message2)}"), Invariant($"3 {Size(Message3)}")], await client.ReadMultiLineAsync());
            Assert.Equal(Invariant($"+OK 2 {Size(Message2)}"), await client.CommandAsync("LIST 2"));

            Assert.Equal("+OK Unique-ID listing follows", await client.CommandAsync("UIDL"));
            Assert.Equal([Invariant($"1 {v}.{uids[0]}"), Invariant($"2 {v}.{uids[1]}"), Invariant($"3 {v}.{uids[2]}")], await client.ReadMultiLineAsync());
            Assert.Equal(Invariant($"+OK 3 {v}.{uids[2]}"), await client.CommandAsync("UIDL 3"));

            Assert.Equal("+OK Top of message follows", await client.CommandAsync("TOP 1 1"));
            Assert.Equal(["From: a@example.org", "Subject: one", "", "first line"], await client.ReadMultiLineAsync());
            Assert.Equal("+OK Top of message follows", await client.CommandAsync("TOP 1 0"));
            Assert.Equal(["From: a@example.org", "Subject: one", ""], await client.ReadMultiLineAsync());

            // RFC 1939 section 3: the line ".dotted" travels as "..dotted".
            Assert.Equal(Invariant($"+OK {Size(Message1)} octets"), await client.CommandAsync("RETR 1"));
            Assert.Equal(["From: a@example.org", "Subject: one", "", "first line", "..dotted", "last"], await client.ReadMultiLineAsync());

            Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
            Assert.Equal("-ERR Message already deleted", await client.CommandAsync("DELE 1"));
            Assert.Equal("-ERR Message already deleted", await client.CommandAsync("RETR 1"));
            Assert.Equal("-ERR Message already deleted", await client.CommandAsync("LIST 1"));
            Assert.Equal(Invariant($"+OK 2 {Size(Message2) + Size(Message3)}"), await client.CommandAsync("STAT"));
            Assert.Equal(Invariant($"+OK 2 messages ({Size(Message2) + Size(Message3)} octets)"), await client.CommandAsync("LIST"));
            Assert.Equal([Invariant($"2 {Size(Message2)}"), Invariant($"3 {Size(Message3)}")], await client.ReadMultiLineAsync());

            Assert.Equal(Invariant($"+OK Maildrop has 3 messages ({total} octets)"), await client.CommandAsync("RSET"));
            Assert.Equal(Invariant($"+OK 1 {Size(Message1)}"), await client.CommandAsync("LIST 1"));
            Assert.Equal("+OK", await client.CommandAsync("NOOP"));

            Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
            Assert.Equal("+OK Message 3 deleted", await client.CommandAsync("DELE 3"));
            Assert.Equal("+OK pop.test POP3 server signing off (1 messages left)", await client.CommandAsync("QUIT"));
            Assert.Null(await client.ReadLineAsync());
        }

        // A new session sees only what is left, under the same UIDL.
        await using (var again = await LoginAsync(cluster.Lenient.Port, mailbox))
        {
            Assert.Equal(Invariant($"+OK 1 {Size(Message2)}"), await again.CommandAsync("STAT"));
            Assert.Equal(Invariant($"+OK 1 {v}.{uids[1]}"), await again.CommandAsync("UIDL 1"));
            Assert.Equal("-ERR No such message", await again.CommandAsync("UIDL 2"));
            Assert.Equal("+OK pop.test POP3 server signing off (1 messages left)", await again.CommandAsync("QUIT"));
        }

        // What IMAP sees: the counters and the expunge log with one MODSEQ for both (one transaction).
        var after = await cluster.Lenient.InboxAsync(mailbox);
        Assert.Equal(1, after.MessageCount);
        Assert.Equal(Size(Message2), after.TotalSize);
        Assert.True(after.HighestModSeq > folder.HighestModSeq);
        Assert.Equal(Invariant($"{uids[0]},{uids[2]}"), await cluster.QueryAsync(
            "SELECT string_agg(uid::text, ',' ORDER BY uid) FROM expunged_messages WHERE tenant_id = @t AND folder_id = @f", ("t", mailbox.TenantId), ("f", after.FolderId)));
        Assert.Equal("1", await cluster.QueryAsync(
            "SELECT count(DISTINCT modseq) FROM expunged_messages WHERE tenant_id = @t AND folder_id = @f", ("t", mailbox.TenantId), ("f", after.FolderId)));
        Assert.Equal(after.HighestModSeq.ToString(CultureInfo.InvariantCulture), await cluster.QueryAsync(
            "SELECT max(modseq) FROM expunged_messages WHERE tenant_id = @t AND folder_id = @f", ("t", mailbox.TenantId), ("f", after.FolderId)));
        Assert.Equal(Size(Message2).ToString(CultureInfo.InvariantCulture), await cluster.QueryAsync(
            "SELECT used_bytes FROM mailboxes WHERE tenant_id = @t AND mailbox_id = @m", ("t", mailbox.TenantId), ("m", mailbox.MailboxId)));
    }

    [Fact]
    public async Task ADroppedConnectionAfterDeleDeletesNothing()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("dropped", Message1, Message2);
        await using (var client = await LoginAsync(cluster.Lenient.Port, mailbox))
        {
            Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
            Assert.Equal("+OK Message 2 deleted", await client.CommandAsync("DELE 2"));
        }

        // The server notices the close and releases the lock; [IN-USE] until then means "retry".
        var client2 = await LoginRetryingWhileInUseAsync(cluster.Lenient.Port, mailbox);
        await using (client2)
        {
            Assert.Equal(Invariant($"+OK 2 {Size(Message1) + Size(Message2)}"), await client2.CommandAsync("STAT"));
            Assert.Equal("+OK pop.test POP3 server signing off (2 messages left)", await client2.CommandAsync("QUIT"));
        }

        Assert.Equal(2, (await cluster.Lenient.InboxAsync(mailbox)).MessageCount);
    }

    [Fact]
    public async Task ASecondSessionWhileLockedGetsInUseOnTheSameAndOnAnotherNode()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("locked", Message1);
        await using var first = await LoginAsync(cluster.Lenient.Port, mailbox);

        await using (var second = await RawClient.ConnectAsync(cluster.Lenient.Port))
        {
            await second.ReadLineAsync();
            Assert.Equal("+OK Send PASS", await second.CommandAsync("USER " + mailbox.Address));
            Assert.Equal("-ERR [IN-USE] Maildrop already locked by another session", await second.CommandAsync("PASS " + Pop3TestNode.Password));
            // Still in AUTHORIZATION: the client may try again.
            Assert.Equal("-ERR Command not valid in AUTHORIZATION state, log in first", await second.CommandAsync("STAT"));
            Assert.Equal("+OK pop.test POP3 server signing off", await second.CommandAsync("QUIT"));
        }

        // Another node on the same database: the advisory lock holds across processes.
        await using (var other = await RawClient.ConnectAsync(cluster.Strict.TlsPort, implicitTls: true))
        {
            await other.ReadLineAsync();
            Assert.Equal("+OK Send PASS", await other.CommandAsync("USER " + mailbox.Address));
            Assert.Equal("-ERR [IN-USE] Maildrop already locked by another session", await other.CommandAsync("PASS " + Pop3TestNode.Password));
        }

        Assert.Equal("+OK pop.test POP3 server signing off (1 messages left)", await first.CommandAsync("QUIT"));
        Assert.Null(await first.ReadLineAsync());

        // Released at QUIT: the other node gets the maildrop now.
        await using var after = await LoginAsync(cluster.Strict.TlsPort, mailbox, implicitTls: true);
        Assert.Equal(Invariant($"+OK 1 {Size(Message1)}"), await after.CommandAsync("STAT"));
    }

    [Fact]
    public async Task BadCommandsAndArgumentsGetErrWithAReason()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("bad", Message1);
        await using var client = await RawClient.ConnectAsync(cluster.Lenient.Port);
        await client.ReadLineAsync();
        Assert.Equal("-ERR Unknown command", await client.CommandAsync("HELO there"));
        Assert.Equal("-ERR Command not valid in AUTHORIZATION state, log in first", await client.CommandAsync("RETR 1"));
        Assert.Equal("-ERR Send USER first", await client.CommandAsync("PASS x"));
        Assert.Equal("-ERR APOP is not supported, use USER/PASS or AUTH", await client.CommandAsync("APOP bad@bad.example 0123456789abcdef"));
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + mailbox.Address));
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("PASS wrong password"));
        // RFC 1939 section 7: after a failed PASS, USER again.
        Assert.Equal("-ERR Send USER first", await client.CommandAsync("PASS " + Pop3TestNode.Password));
        Assert.Equal("-ERR Unsupported authentication mechanism", await client.CommandAsync("AUTH CRAM-MD5"));
        Assert.Equal("+OK pop.test POP3 server signing off", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task BadArgumentsInTransactionGetErrWithAReason()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("badargs", Message1);
        await using var client = await LoginAsync(cluster.Lenient.Port, mailbox);
        Assert.Equal("-ERR No such message", await client.CommandAsync("RETR 2"));
        Assert.Equal("-ERR No such message", await client.CommandAsync("RETR 0"));
        Assert.Equal("-ERR No such message", await client.CommandAsync("TOP 99999999999 1"));
        Assert.Equal("-ERR Invalid message number", await client.CommandAsync("DELE one"));
        Assert.Equal("-ERR TOP requires a message number and a number of lines", await client.CommandAsync("TOP 1"));
        Assert.Equal("-ERR STAT takes no arguments", await client.CommandAsync("STAT 1"));
        Assert.Equal("-ERR Command not valid in TRANSACTION state", await client.CommandAsync("USER other"));
        Assert.Equal("-ERR Command not valid in TRANSACTION state", await client.CommandAsync("STLS"));
        Assert.Equal("-ERR Command not valid in TRANSACTION state", await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal("+OK pop.test POP3 server signing off (1 messages left)", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task TooManyBadCommandsCloseTheConnection()
    {
        await using var client = await RawClient.ConnectAsync(cluster.Lenient.Port);
        await client.ReadLineAsync();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("-ERR Unknown command", await client.CommandAsync("XYZZY"));
        }

        Assert.Equal("-ERR Unknown command", await client.CommandAsync("XYZZY"));
        Assert.Equal("-ERR Too many bad commands, closing connection", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task AnOverlongLineIsRefusedAndClosesTheConnection()
    {
        await using var client = await RawClient.ConnectAsync(cluster.Lenient.Port);
        await client.ReadLineAsync();
        await client.SendAsync("USER " + new string('a', 300) + "\r\n");
        Assert.Equal("-ERR Line too long, closing connection", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task PipelinedCommandsAreAnsweredInOrder()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("pipelined", Message2, Message3);
        await using var client = await RawClient.ConnectAsync(cluster.Lenient.Port);
        await client.ReadLineAsync();
        await client.SendAsync($"USER {mailbox.Address}\r\nPASS {Pop3TestNode.Password}\r\nSTAT\r\nLIST\r\nRETR 2\r\nDELE 1\r\nQUIT\r\n");
        Assert.Equal("+OK Send PASS", await client.ReadLineAsync());
        Assert.StartsWith("+OK Logged in, 2 messages", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(Invariant($"+OK 2 {Size(Message2) + Size(Message3)}"), await client.ReadLineAsync());
        Assert.StartsWith("+OK 2 messages", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(2, (await client.ReadMultiLineAsync()).Count);
        Assert.Equal(Invariant($"+OK {Size(Message3)} octets"), await client.ReadLineAsync());
        Assert.Equal(["Subject: three", "", "body three"], await client.ReadMultiLineAsync());
        Assert.Equal("+OK Message 1 deleted", await client.ReadLineAsync());
        Assert.Equal("+OK pop.test POP3 server signing off (1 messages left)", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task CapaBeforeTlsOnTheStrictNodeOffersStlsButNoPasswordsAndUserIsRefused()
    {
        await using var client = await RawClient.ConnectAsync(cluster.Strict.Port);
        Assert.Equal("+OK pop.test POP3 server ready", await client.ReadLineAsync());
        Assert.Equal("+OK Capability list follows", await client.CommandAsync("CAPA"));
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION HostedMail", "STLS"], await client.ReadMultiLineAsync());
        Assert.Equal("-ERR Plaintext authentication disallowed on non-secure connections, use STLS first", await client.CommandAsync("USER someone@example.com"));
        Assert.Equal("-ERR Plaintext authentication disallowed on non-secure connections, use STLS first", await client.CommandAsync("AUTH PLAIN"));
    }

    [Fact]
    public async Task StlsDiscardsPipelinedPlaintextAndEnablesLogin()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("stls", Message1);
        await using var client = await RawClient.ConnectAsync(cluster.Strict.Port);
        await client.ReadLineAsync();
        // The injection: a command behind STLS in the same packet must never run (RFC 2595, CVE-2011-0411 family).
        await client.SendAsync("STLS\r\nCAPA\r\n");
        Assert.Equal("+OK Begin TLS negotiation", await client.ReadLineAsync());
        await client.StartTlsAsync();
        Assert.Equal("+OK Capability list follows", await client.CommandAsync("CAPA"));
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION HostedMail", "USER", "SASL PLAIN LOGIN"], await client.ReadMultiLineAsync());
        Assert.Equal("-ERR Already in TLS", await client.CommandAsync("STLS"));
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + mailbox.Address));
        Assert.StartsWith("+OK Logged in, 1 messages", await client.CommandAsync("PASS " + Pop3TestNode.Password), StringComparison.Ordinal);
        Assert.Equal("+OK Capability list follows", await client.CommandAsync("CAPA"));
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION HostedMail"], await client.ReadMultiLineAsync());
    }

    [Fact]
    public async Task AuthPlainWorksWithAndWithoutAnInitialResponseAndCanBeCancelled()
    {
        var (mailbox, _) = await MailboxWithMessagesAsync("sasl", Message1);
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{mailbox.Address}\0{Pop3TestNode.Password}"));
        await using (var client = await RawClient.ConnectAsync(cluster.Strict.TlsPort, implicitTls: true))
        {
            await client.ReadLineAsync();
            Assert.Equal("+OK Supported SASL mechanisms follow", await client.CommandAsync("AUTH"));
            Assert.Equal(["PLAIN", "LOGIN"], await client.ReadMultiLineAsync());
            Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("-ERR Authentication cancelled", await client.CommandAsync("*"));
            Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("-ERR Malformed authentication response", await client.CommandAsync("not base64!"));
            var wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{mailbox.Address}\0wrong"));
            Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("AUTH PLAIN " + wrong));
            Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("+OK Logged in, 1 messages (" + Size(Message1).ToString(CultureInfo.InvariantCulture) + " octets)", await client.CommandAsync(token));
            Assert.Equal("+OK pop.test POP3 server signing off (1 messages left)", await client.CommandAsync("QUIT"));
        }

        await using (var client = await RawClient.ConnectAsync(cluster.Strict.TlsPort, implicitTls: true))
        {
            await client.ReadLineAsync();
            Assert.StartsWith("+OK Logged in", await client.CommandAsync("AUTH PLAIN " + token), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnIdleSessionIsLoggedOutWithoutRemovingItsDeletedMessages()
    {
        // RFC 1939 section 3 asks for at least 10 minutes; a node with a short timer shows the behaviour.
        await using var node = await Pop3TestNode.StartAsync(cluster.ConnectionString, overrides: new Dictionary<string, string?> { ["Pop3:IdleTimeout"] = "00:00:01" });
        var mailbox = await node.CreateMailboxAsync("idle");
        await node.DeliverAsync(mailbox, Message1);
        await using var client = await LoginAsync(node.Port, mailbox);
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        Assert.Equal("-ERR Disconnected for inactivity", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
        Assert.Equal(1, (await node.InboxAsync(mailbox)).MessageCount);
    }

    [Fact]
    public async Task AnUnexpectedErrorInRetrIsAnsweredWithAnErrorIdAndTheSessionGoesOn()
    {
        // ARCHITECTURE.md "Protocol code": one place turns a bug into -ERR; nothing of the maildrop
        // changed, so the session continues.
        await using var node = await Pop3TestNode.StartAsync(cluster.ConnectionString, configureServices: services =>
            services.InjectFault<IFolderStore>((method, _) => method.Name == nameof(IFolderStore.ReadBlobAsync)));
        var mailbox = await node.CreateMailboxAsync("fault" + Guid.NewGuid().ToString("N")[..8]);
        await node.DeliverAsync(mailbox, Message1);
        await using var client = await LoginAsync(node.Port, mailbox);
        Assert.Matches(@"^-ERR \[SYS/TEMP\] Internal error, try again later \(error id [A-Z2-9]{10}\)$", await client.CommandAsync("RETR 1"));
        Assert.StartsWith("+OK 1 ", await client.CommandAsync("STAT"), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"), StringComparison.Ordinal);
        Assert.Equal(1, (await node.InboxAsync(mailbox)).MessageCount);
    }

    private static async Task<RawClient> LoginRetryingWhileInUseAsync(int port, Mailbox mailbox)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var client = await RawClient.ConnectAsync(port);
            await client.ReadLineAsync();
            await client.CommandAsync("USER " + mailbox.Address);
            var answer = await client.CommandAsync("PASS " + Pop3TestNode.Password);
            if (answer.StartsWith("+OK", StringComparison.Ordinal))
            {
                return client;
            }

            await client.DisposeAsync();
            Assert.StartsWith("-ERR [IN-USE]", answer, StringComparison.Ordinal);
            // What a client does on [IN-USE]: wait a little and retry (RFC 2449 section 8.1.1).
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }
}
