using System.Text;
using HostedMail.IntegrationTests.Corpus;
using HostedMail.Testing.Corpus;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Mk = MimeKit;

namespace HostedMail.IntegrationTests.Interop;

/// <summary>
/// MailKit 4.18.2 as a second real client: IMAP (summaries of corpus messages compared with
/// MimeKit's own parse of the same octets, SEARCH, STORE, MOVE, IDLE), SMTP submission with
/// AUTH, POP3 (exact octets, DELE).
/// </summary>
public sealed class MailKitInteropTests(CorpusNode node) : IClassFixture<CorpusNode>
{
    // Shapes whose parse MimeKit models differently on purpose (see the Mime tests'
    // MimeKitComparisonTests.DeliberateDifferences): excluded from the structure comparison only.
    private static readonly HashSet<string> ModelledDifferently = new(StringComparer.Ordinal)
    {
        "dsn-headers-only",        // text/rfc822-headers: MimeKit makes it a message part (RFC 6522 section 4).
        "content-type-quirks",     // invalid Content-Type: MimeKit says application/octet-stream (RFC 2045 section 5.2).
        "bare-lf",                 // BODYSTRUCTURE counts the stored LF-only lines; MimeKit is unaffected.
        "mixed-line-endings",
        "debian-python-email-data",
    };

    /// <summary>
    /// Server bugs MailKit finds, by corpus shape (outside this change's files: BODYSTRUCTURE
    /// rendering and the IMAP session). <see cref="TheKnownFailuresStillFail"/> keeps them honest.
    /// </summary>
    private static readonly Dictionary<string, string> KnownFailures = new(StringComparer.Ordinal);

    [Fact]
    public async Task ImapSummariesOfCorpusMessagesMatchMimeKitsParseOfTheSameBytes()
    {
        var sample = RealWorldCorpus.Generate(160).Where(m => !ModelledDifferently.Contains(m.Shape) && !KnownFailures.ContainsKey(m.Shape)).ToList();
        await AppendRawAsync("dave@acme.example", "Corpus", sample);
        using var imap = await ImapAsync("dave@acme.example");
        IMailFolder folder = await imap.GetFolderAsync("Corpus");
        await folder.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(sample.Count, folder.Count);
        var failures = new List<string>();
        var summaries = await folder.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Size));
        for (int i = 0; i < sample.Count; i++)
        {
            CorpusMessage m = sample[i];
            IMessageSummary s = summaries[i];
            Mk.MimeMessage parsed = Mk.MimeMessage.Load(new MemoryStream(m.Bytes));
            void Same(string what, object? expected, object? actual)
            {
                if (!Equals(expected, actual))
                {
                    failures.Add($"{m.Name} {what}: MimeKit {expected ?? "<null>"}, server {actual ?? "<null>"}");
                }
            }

            Same("RFC822.SIZE", (uint)m.Bytes.Length, s.Size);
            Same("message-id", parsed.MessageId, s.Envelope?.MessageId);
            Same("from", string.Join(",", parsed.From.Mailboxes.Select(a => a.Address)), string.Join(",", (s.Envelope?.From ?? []).Mailboxes.Select(a => a.Address)));
            Same("to", string.Join(",", parsed.To.Mailboxes.Select(a => a.Address)), string.Join(",", (s.Envelope?.To ?? []).Mailboxes.Select(a => a.Address)));
            Same("subject", parsed.Subject ?? "", s.Envelope?.Subject ?? "");
            Same("structure", Describe(parsed.Body), Describe(s.Body));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public async Task TheKnownFailuresStillFail()
    {
        var known = RealWorldCorpus.Generate(160).Where(m => KnownFailures.ContainsKey(m.Shape)).Take(1).ToList();
        Assert.Equal(KnownFailures.Count, known.Select(m => m.Shape).Distinct().Count());
        await AppendRawAsync("erin@acme.example", "Known", known);
        using var imap = await ImapAsync("erin@acme.example");
        IMailFolder folder = await imap.GetFolderAsync("Known");
        await folder.OpenAsync(FolderAccess.ReadOnly);
        for (int i = 0; i < known.Count; i++)
        {
            // When this stops throwing, the bug is fixed: drop the entry from KnownFailures.
            var e = await Assert.ThrowsAsync<ImapProtocolException>(() => folder.FetchAsync(i, i, new FetchRequest(MessageSummaryItems.BodyStructure)));
            Assert.Contains("BODYSTRUCTURE", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ImapSearchStoreMoveAndIdleWorkFromMailKit()
    {
        var corpus = RealWorldCorpus.Generate(60).Where(m => m.SmtpTransparent).Take(20).ToList();
        await AppendRawAsync("dave@acme.example", "INBOX", corpus);
        using var imap = await ImapAsync("dave@acme.example");
        IMailFolder inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        int before = inbox.Count;

        // SEARCH (RFC 9051 section 6.4.4): a subject from the corpus, decoded from RFC 2047.
        var target = corpus.Select(m => (m, Subject: Mk.MimeMessage.Load(new MemoryStream(m.Bytes)).Subject)).First(x => x.Subject is { Length: > 8 } && x.Subject.Contains("Invoice", StringComparison.Ordinal) || x.Subject?.Contains("Quarterly", StringComparison.Ordinal) == true);
        var found = await inbox.SearchAsync(SearchQuery.SubjectContains(target.Subject!));
        Assert.NotEmpty(found);
        UniqueId uid = found[0];

        // STORE (section 6.4.6) and FETCH FLAGS.
        await inbox.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Flagged | MessageFlags.Seen) { Silent = false });
        var flags = await inbox.FetchAsync([uid], new FetchRequest(MessageSummaryItems.Flags));
        Assert.Equal(MessageFlags.Flagged | MessageFlags.Seen, flags.Single().Flags & (MessageFlags.Flagged | MessageFlags.Seen));
        Assert.Contains(uid, await inbox.SearchAsync(SearchQuery.Flagged));

        // MOVE (RFC 6851) into a new folder: gone here, there with its flags.
        IMailFolder archive = await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync("Archive-" + Guid.NewGuid().ToString("N")[..6], true) ?? throw new InvalidOperationException("CREATE returned no folder");
        UniqueId? moved = await inbox.MoveToAsync(uid, archive);
        Assert.NotNull(moved);
        Assert.Equal(before - 1, inbox.Count);
        await archive.StatusAsync(StatusItems.Count);
        Assert.Equal(1, archive.Count);

        // IDLE (RFC 2177): a message delivered over SMTP while idling shows up as EXISTS.
        using var arrived = new CancellationTokenSource();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        inbox.CountChanged += (_, _) => arrived.Cancel();
        Task idle = imap.IdleAsync(arrived.Token, timeout.Token);
        await using (var smtp = await CorpusWire.ConnectAsync(node.SmtpPort))
        {
            await smtp.SmtpHelloAsync("idle.outside.example");
            Assert.StartsWith("250 ", await smtp.SendMessageAsync("idle@outside.example", ["dave@acme.example"], "Subject: during idle\r\n\r\nhello\r\n"u8.ToArray(), false, false), StringComparison.Ordinal);
        }

        await idle;
        Assert.True(arrived.IsCancellationRequested, "IDLE ended without the new message");
        Assert.Equal(before, inbox.Count);
    }

    [Fact]
    public async Task MailKitResynchronisesWithQresyncFromBeforeTheExpungeHistory()
    {
        // RFC 7162 section 3.2.5.1: a client back after the node pruned the expunges it missed is
        // told of every UID it knew that is gone (VANISHED (EARLIER)), remembered or not.
        var corpus = RealWorldCorpus.Generate(60).Where(m => m.SmtpTransparent).Take(6).ToList();
        await AppendRawAsync("frank@acme.example", "INBOX", corpus);
        uint validity;
        ulong modSeq;
        IList<UniqueId> known;
        using (var before = await ImapAsync("frank@acme.example"))
        {
            await before.EnableQuickResyncAsync();
            await before.Inbox.OpenAsync(FolderAccess.ReadWrite);
            (validity, modSeq) = (before.Inbox.UidValidity, before.Inbox.HighestModSeq);
            known = await before.Inbox.SearchAsync(SearchQuery.All);
            Assert.Equal(6, known.Count);
            await before.Inbox.AddFlagsAsync([known[1], known[2]], MessageFlags.Deleted, true);
            await before.Inbox.ExpungeAsync([known[1], known[2]]);
            // Forgotten, as after Imap:ExpungeHistory; then one more expunge the folder remembers.
            while (await node.Services.GetRequiredService<HostedMail.Core.Imap.IImapStore>().PruneExpungeHistoryAsync(DateTimeOffset.UtcNow.AddMinutes(1), 100, CancellationToken.None) > 0)
            {
            }

            await before.Inbox.AddFlagsAsync(known[4], MessageFlags.Deleted, true);
            await before.Inbox.ExpungeAsync([known[4]]);
        }

        using var back = await ImapAsync("frank@acme.example");
        await back.EnableQuickResyncAsync();
        var vanished = new List<UniqueId>();
        back.Inbox.MessagesVanished += (_, e) =>
        {
            Assert.True(e.Earlier);
            vanished.AddRange(e.UniqueIds);
        };
        await back.Inbox.OpenAsync(FolderAccess.ReadOnly, validity, modSeq, known);
        Assert.Equal([known[1], known[2], known[4]], vanished.Order());
        Assert.Equal(3, back.Inbox.Count);
    }

    [Fact]
    public async Task MailKitSubmitsWithAuthAndTheMessageArrives()
    {
        var message = new Mk.MimeMessage();
        message.From.Add(new Mk.MailboxAddress("Alice", "alice@acme.example"));
        message.To.Add(new Mk.MailboxAddress("Bob", "bob@acme.example"));
        string subject = "MailKit submission " + Guid.NewGuid().ToString("N")[..8];
        message.Subject = subject;
        message.Body = new Mk.TextPart("plain") { Text = "Grüße from MailKit\r\n.leading dot\r\n" };
        using (var smtp = new SmtpClient())
        {
            smtp.ServerCertificateValidationCallback = IsTestCertificate;
            await smtp.ConnectAsync("127.0.0.1", node.SubmissionPort, SecureSocketOptions.StartTls);
            // RFC 4954: AUTH is offered only after STARTTLS on submission.
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            await smtp.AuthenticateAsync("alice@acme.example", CorpusNode.Password);
            string reply = await smtp.SendAsync(message);
            Assert.Contains("OK", reply, StringComparison.Ordinal);
            await smtp.DisconnectAsync(true);
        }

        await node.WaitForSubjectAsync(subject, TimeSpan.FromMinutes(1));
        using var imap = await ImapAsync("bob@acme.example");
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var uids = await imap.Inbox.SearchAsync(SearchQuery.SubjectContains(subject));
        Mk.MimeMessage got = await imap.Inbox.GetMessageAsync(Assert.Single(uids));
        Assert.Equal("alice@acme.example", got.From.Mailboxes.Single().Address);
        // MimeKit hands text back with its own line-end convention; the dot line survived
        // dot-stuffing both ways (RFC 5321 section 4.5.2).
        Assert.Equal("Grüße from MailKit\n.leading dot\n", got.TextBody?.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Pop3ListsRetrievesTheExactBytesAndDeletes()
    {
        var corpus = RealWorldCorpus.Generate(80).Where(m => m.SmtpTransparent).Take(12).ToList();
        await AppendRawAsync("carol@acme.example", "INBOX", corpus);
        using (var pop = await Pop3Async("carol@acme.example"))
        {
            Assert.Equal(corpus.Count, pop.Count);
            var sizes = await pop.GetMessageSizesAsync();
            for (int i = 0; i < corpus.Count; i++)
            {
                Assert.Equal(corpus[i].Bytes.Length, sizes[i]);
                // RFC 1939 section 7: RETR gives the message, dot-unstuffed by the client.
                using Stream stream = await pop.GetStreamAsync(i);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                Assert.True(copy.ToArray().AsSpan().SequenceEqual(corpus[i].Bytes), $"{corpus[i].Name}: RETR differs at {copy.ToArray().AsSpan().CommonPrefixLength(corpus[i].Bytes)}");
            }

            await pop.DeleteMessageAsync(0);
            await pop.DisconnectAsync(true);
        }

        // QUIT commits the deletion (RFC 1939 section 6, UPDATE state).
        using var again = await Pop3Async("carol@acme.example");
        Assert.Equal(corpus.Count - 1, again.Count);
        await again.DisconnectAsync(true);
    }

    // The node's certificate is self-signed per run for its host name: accept that one only.
    private static bool IsTestCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) =>
        certificate?.Subject.Contains(MailNode.Hostname, StringComparison.Ordinal) == true;

    private async Task<ImapClient> ImapAsync(string user)
    {
        var imap = new ImapClient { ServerCertificateValidationCallback = IsTestCertificate };
        await imap.ConnectAsync("127.0.0.1", node.ImapsPort, SecureSocketOptions.SslOnConnect);
        await imap.AuthenticateAsync(user, CorpusNode.Password);
        return imap;
    }

    private async Task<Pop3Client> Pop3Async(string user)
    {
        var pop = new Pop3Client { ServerCertificateValidationCallback = IsTestCertificate };
        await pop.ConnectAsync("127.0.0.1", node.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync(user, CorpusNode.Password);
        return pop;
    }

    /// <summary>APPENDs the exact octets (MailKit would re-serialise a MimeMessage) with the raw client.</summary>
    private async Task AppendRawAsync(string user, string folder, IReadOnlyList<CorpusMessage> messages)
    {
        await using var imap = await CorpusWire.ConnectAsync(node.ImapPort);
        await imap.ReadImapResponseAsync();
        Assert.StartsWith("L OK", (await imap.ImapAsync("L", $"LOGIN {user} \"{CorpusNode.Password}\"")).Completion, StringComparison.Ordinal);
        if (folder != "INBOX")
        {
            Assert.StartsWith("C OK", (await imap.ImapAsync("C", $"CREATE {folder}")).Completion, StringComparison.Ordinal);
        }

        for (int i = 0; i < messages.Count; i++)
        {
            await imap.WriteAsync(Encoding.ASCII.GetBytes($"A{i} APPEND {folder} {{{messages[i].Bytes.Length}+}}\r\n"));
            await imap.WriteAsync(messages[i].Bytes);
            await imap.WriteAsync("\r\n");
            Assert.StartsWith($"A{i} OK", (await imap.ReadUntilTaggedAsync($"A{i}")).Completion, StringComparison.Ordinal);
        }
    }

    /// <summary>The MIME tree as "type/subtype[name|filename](children)", from MimeKit's parse.</summary>
    private static string Describe(Mk.MimeEntity? e) => e switch
    {
        null => "",
        // RFC 9051 section 9: body-type-mpart = 1*body, so a multipart with no parts (which
        // MimeKit keeps empty) has one empty text/plain part in BODYSTRUCTURE, as Dovecot does.
        Mk.Multipart { Count: 0 } mp => $"{mp.ContentType.MimeType.ToLowerInvariant()}(text/plain[|])",
        Mk.Multipart mp => $"{mp.ContentType.MimeType.ToLowerInvariant()}({string.Join(",", mp.Select(Describe))})",
        // RFC 3501 section 9 (media-message is MESSAGE/RFC822 only): to an IMAP4rev1 session, which
        // MailKit's is, a message/global part is a body-type-basic.
        Mk.MessagePart global when global.ContentType.IsMimeType("message", "global") => $"message/global[{global.ContentType.Name}|{global.ContentDisposition?.FileName}]",
        Mk.MessagePart msg => $"{msg.ContentType.MimeType.ToLowerInvariant()}[{msg.ContentType.Name}|{msg.ContentDisposition?.FileName}]({Describe(msg.Message?.Body)})",
        _ => $"{e.ContentType.MimeType.ToLowerInvariant()}[{e.ContentType.Name}|{e.ContentDisposition?.FileName}]",
    };

    /// <summary>The same description from the server's BODYSTRUCTURE as MailKit read it.</summary>
    private static string Describe(BodyPart? b) => b switch
    {
        null => "",
        BodyPartMultipart mp => $"{mp.ContentType.MimeType.ToLowerInvariant()}({string.Join(",", mp.BodyParts.Select(Describe))})",
        BodyPartMessage msg => $"{msg.ContentType.MimeType.ToLowerInvariant()}[{msg.ContentType.Name}|{msg.ContentDisposition?.FileName}]({Describe(msg.Body)})",
        BodyPartBasic basic => $"{basic.ContentType.MimeType.ToLowerInvariant()}[{basic.ContentType.Name}|{basic.ContentDisposition?.FileName}]",
        _ => b.GetType().Name,
    };
}
