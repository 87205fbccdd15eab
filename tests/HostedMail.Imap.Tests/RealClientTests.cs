using System.Diagnostics;
using HostedMail.Core.Mailboxes;
using HostedMail.Testing;

namespace HostedMail.Imap.Tests;

/// <summary>Real clients against a real node: Python imaplib, curl, mbsync.</summary>
public sealed class RealClientTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task PythonImaplibRunsAWholeWorkflow()
    {
        var mailbox = await _node.CreateMailboxAsync("py");
        var script = Path.Combine(AppContext.BaseDirectory, "clients", "imaplib_workflow.py");
        using var process = Start("python3", script, _node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), mailbox.Address, ImapTestNode.Password);
        using var cts = new CancellationTokenSource(Timeout);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        var output = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            output.Add(line);
            if (line == "IDLING")
            {
                await _node.DeliverAsync(mailbox, ImapTestNode.Message("arrives during idle"));
            }
        }

        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, string.Join('\n', output) + "\n" + await stderr);
        Assert.Equal("OK", output[^1]);
    }

    /// <summary>
    /// imaplib writes an APPEND literal and its closing CRLF apart with Nagle's algorithm on: the
    /// CRLF waits for the node's acknowledgement of the literal, which Linux delays by 40 ms or
    /// more unless the node asks for it at once (MailConnection.AcknowledgeReceived). Without
    /// that every APPEND took 40-50 ms (45 ms median, Dovecot 5 ms); the median of twelve
    /// APPENDs is far below the 40 ms floor with it, even on a busy machine.
    /// </summary>
    [Fact]
    public async Task PythonImaplibAppendsAreNotHeldByTheDelayedAcknowledgement()
    {
        var mailbox = await _node.CreateMailboxAsync("pyappend");
        var script = Path.Combine(AppContext.BaseDirectory, "clients", "imaplib_append_timing.py");
        var run = await RunAsync("python3", script, _node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), mailbox.Address, ImapTestNode.Password);
        Assert.True(run.ExitCode == 0 && run.Output.TrimEnd().EndsWith("OK", StringComparison.Ordinal), run.Output + run.Error);
        var median = double.Parse(run.Output.Split('\n').Single(l => l.StartsWith("MEDIAN ", StringComparison.Ordinal))[7..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(median < 25, $"median APPEND {median} ms: the literal's acknowledgement was delayed\n{run.Output}");
    }

    [Fact]
    public async Task CurlListsFetchesAndSearches()
    {
        var mailbox = await _node.CreateMailboxAsync("curl");
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("for curl", "curl body"));
        var url = $"imap://127.0.0.1:{_node.Port}/";
        var user = mailbox.Address + ":" + ImapTestNode.Password;

        var list = await RunAsync("curl", "-sS", "--user", user, url);
        Assert.Contains("INBOX", list.Output, StringComparison.Ordinal);
        Assert.Contains("\\Sent", list.Output, StringComparison.Ordinal);

        var fetched = await RunAsync("curl", "-sS", "--user", user, url + "INBOX;UID=1");
        Assert.Contains("Subject: for curl", fetched.Output, StringComparison.Ordinal);
        Assert.Contains("curl body", fetched.Output, StringComparison.Ordinal);

        var search = await RunAsync("curl", "-sS", "--user", user, "-X", "UID SEARCH SUBJECT curl", url + "INBOX");
        Assert.Contains("* SEARCH 1", search.Output, StringComparison.Ordinal);

        var implicitTls = await RunAsync("curl", "-sS", "-k", "--user", user, $"imaps://127.0.0.1:{_node.TlsPort}/INBOX;UID=1");
        Assert.Contains("Subject: for curl", implicitTls.Output, StringComparison.Ordinal);

        var startTls = await RunAsync("curl", "-sS", "-k", "--ssl-reqd", "--user", user, url + "INBOX;UID=1");
        Assert.Contains("curl body", startTls.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MbsyncSyncsBothWaysAndASecondSyncChangesNothing()
    {
        var mailbox = await _node.CreateMailboxAsync("mbsync");
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("server side one"));
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("server side two"));
        var dir = Directory.CreateTempSubdirectory("imap-mbsync-");
        try
        {
            var maildir = Path.Combine(dir.FullName, "mail");
            Directory.CreateDirectory(maildir);
            var config = Path.Combine(dir.FullName, "mbsyncrc");
            await File.WriteAllTextAsync(config, $"""
                IMAPAccount test
                Host 127.0.0.1
                Port {_node.Port}
                User {mailbox.Address}
                Pass "{ImapTestNode.Password}"
                SSLType None
                AuthMechs LOGIN

                IMAPStore remote
                Account test

                MaildirStore local
                Path {maildir}/
                Inbox {maildir}/INBOX
                SubFolders Verbatim

                Channel sync
                Far :remote:
                Near :local:
                Patterns *
                Create Both
                Expunge Both
                SyncState *
                CopyArrivalDate yes

                """);
            var first = await RunAsync("mbsync", "-V", "-c", config, "sync");
            Assert.True(first.ExitCode == 0, first.Output + first.Error);
            var inboxNew = Path.Combine(maildir, "INBOX", "new");
            var inboxCur = Path.Combine(maildir, "INBOX", "cur");
            Assert.Equal(2, Directory.GetFiles(inboxNew).Length + Directory.GetFiles(inboxCur).Length);
            Assert.True(Directory.Exists(Path.Combine(maildir, "Sent")), "folders are created locally");

            // A local message goes up; a local flag change too.
            var local = Path.Combine(inboxCur, $"1763720000.local.host:2,S");
            await File.WriteAllTextAsync(local, ImapTestNode.Message("written locally"));
            var second = await RunAsync("mbsync", "-V", "-c", config, "sync");
            Assert.True(second.ExitCode == 0, second.Output + second.Error);
            var before = await ServerStateAsync(mailbox.Address);
            Assert.StartsWith("* STATUS INBOX (MESSAGES 3 UNSEEN 2 ", before, StringComparison.Ordinal);
            var files = LocalFiles(maildir);

            var third = await RunAsync("mbsync", "-V", "-c", config, "sync");
            Assert.True(third.ExitCode == 0, third.Output + third.Error);
            Assert.Equal(before, await ServerStateAsync(mailbox.Address));
            Assert.Equal(files, LocalFiles(maildir));
            Assert.Contains("far side: 3 messages", third.Output + third.Error, StringComparison.Ordinal);
            Assert.Contains("near side: 3 messages", third.Output + third.Error, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private async Task<string> ServerStateAsync(string address)
    {
        await using var client = await ImapClient.LoginAsync(_node.Port, address);
        return (await client.CommandAsync("STATUS INBOX (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ)"))[0];
    }

    private static string LocalFiles(string maildir) =>
        string.Join('\n', Directory.GetFiles(maildir, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".mbsyncstate", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

    private static Process Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, params string[] args)
    {
        using var process = Start(file, args);
        using var cts = new CancellationTokenSource(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(cts.Token);
        var error = process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await output, await error);
    }
}
