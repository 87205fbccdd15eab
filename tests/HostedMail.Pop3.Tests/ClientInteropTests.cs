using System.Globalization;
using System.Text;
using System.Text.Json;
using HostedMail.Core.Mailboxes;

namespace HostedMail.Pop3.Tests;

/// <summary>Real clients against the real listeners: Python's poplib and fetchmail (Debian packages python3, fetchmail).</summary>
public sealed class ClientInteropTests(Pop3Cluster cluster) : IClassFixture<Pop3Cluster>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pop3-interop-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteCaFile()
    {
        var path = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(path, Pop3TestNode.Certificate.ExportCertificatePem());
        return path;
    }

    private static string Message(int n) => $"From: sender@example.org\r\nSubject: message {n}\r\n\r\nline one of {n}\r\n.line two starts with a dot\r\n";

    private async Task<Mailbox> MailboxAsync(string name, int messages)
    {
        var mailbox = await cluster.Strict.CreateMailboxAsync(name);
        for (var i = 1; i <= messages; i++)
        {
            await cluster.Strict.DeliverAsync(mailbox, Message(i));
        }

        return mailbox;
    }

    [Theory]
    [InlineData("stls")]
    [InlineData("pop3s")]
    public async Task PoplibRunsEveryCommandAndAReconnectNoLongerSeesTheDeletedMessage(string mode)
    {
        var mailbox = await MailboxAsync("poplib" + mode, 3);
        var folder = await cluster.Strict.InboxAsync(mailbox);
        var port = mode == "pop3s" ? cluster.Strict.TlsPort : cluster.Strict.Port;
        var script = Path.Combine(AppContext.BaseDirectory, "poplib_session.py");
        var (exit, output, error) = await ExternalClient.RunAsync("python3", [script, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), mailbox.Address, Pop3TestNode.Password, WriteCaFile(), mode]);
        Assert.True(exit == 0, $"poplib failed: {output}\n{error}");
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        string[] Strings(string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => e.ToString())];

        var size = Encoding.ASCII.GetByteCount(Message(1));
        Assert.Contains("TOP", Strings("capa"));
        Assert.Contains("UIDL", Strings("capa"));
        Assert.Equal(["3", (3 * size).ToString(CultureInfo.InvariantCulture)], Strings("stat"));
        Assert.Equal([$"1 {size}", $"2 {size}", $"3 {size}"], Strings("list"));
        Assert.Equal([$"1 {folder.UidValidity}.1", $"2 {folder.UidValidity}.2", $"3 {folder.UidValidity}.3"], Strings("uidl"));
        Assert.Equal($"+OK 1 {folder.UidValidity}.1", root.GetProperty("uidl1").GetString());
        // poplib undoes the dot-stuffing, as RFC 1939 section 3 tells clients to.
        Assert.Equal(["From: sender@example.org", "Subject: message 1", "", "line one of 1"], Strings("top"));
        Assert.Equal(["From: sender@example.org", "Subject: message 1", "", "line one of 1", ".line two starts with a dot"], Strings("retr"));
        Assert.Equal($"+OK {size} octets", root.GetProperty("retr_resp").GetString());
        Assert.Equal("+OK Message 2 deleted", root.GetProperty("dele").GetString());
        Assert.Equal("-ERR Message already deleted", root.GetProperty("retr_deleted").GetString());
        Assert.Equal($"+OK Maildrop has 3 messages ({3 * size} octets)", root.GetProperty("rset").GetString());
        Assert.Equal("+OK pop.test POP3 server signing off (2 messages left)", root.GetProperty("quit").GetString());
        Assert.Equal(["2", (2 * size).ToString(CultureInfo.InvariantCulture)], Strings("stat_after"));
        Assert.Equal([$"1 {folder.UidValidity}.1", $"2 {folder.UidValidity}.3"], Strings("uidl_after"));
        Assert.Equal(2, (await cluster.Strict.InboxAsync(mailbox)).MessageCount);
    }

    [Fact]
    public async Task FetchmailKeepsTrackOfUidlsAndThenFetchesAndDeletesEverything()
    {
        var mailbox = await MailboxAsync("fetchmail", 2);
        var ca = WriteCaFile();

        // Leave mail on the server and remember UIDLs: the second run must fetch only the new message.
        var first = await FetchmailAsync(mailbox, ca, keep: true);
        Assert.Equal(2, CountMessages(first));
        await cluster.Strict.DeliverAsync(mailbox, Message(3));
        var second = await FetchmailAsync(mailbox, ca, keep: true);
        Assert.Equal(1, CountMessages(second));
        Assert.Contains("Subject: message 3", second, StringComparison.Ordinal);
        Assert.Equal(3, (await cluster.Strict.InboxAsync(mailbox)).MessageCount);

        // Now fetch everything and let fetchmail delete it.
        var third = await FetchmailAsync(mailbox, ca, keep: false, fetchAll: true);
        Assert.Equal(3, CountMessages(third));
        Assert.Contains(".line two starts with a dot", third, StringComparison.Ordinal);
        Assert.DoesNotContain("..line two", third, StringComparison.Ordinal);
        Assert.Equal(0, (await cluster.Strict.InboxAsync(mailbox)).MessageCount);
    }

    private static int CountMessages(string mbox) => mbox.Split("Subject: message ").Length - 1;

    private async Task<string> FetchmailAsync(Mailbox mailbox, string caFile, bool keep, bool fetchAll = false)
    {
        var run = Directory.CreateTempSubdirectory("run-").FullName;
        try
        {
            var mbox = Path.Combine(run, "mbox");
            var rc = Path.Combine(run, "fetchmailrc");
            // STLS on the plain port (fetchmail negotiates it because of sslproto), the test
            // certificate as the only trust anchor, checked against the name "localhost".
            File.WriteAllText(rc, $"""
                set no bouncemail
                set no spambounce
                poll 127.0.0.1 with protocol pop3 port {cluster.Strict.Port.ToString(CultureInfo.InvariantCulture)} timeout 20 uidl
                  user "{mailbox.Address}" there with password "{Pop3TestNode.Password}" is "ignored" here
                  sslproto "TLS1.2+" sslcertck sslcertfile "{caFile}" sslcommonname "localhost"
                  mda "cat >> {mbox}"
                  {(keep ? "keep" : "nokeep")} {(fetchAll ? "fetchall" : "")}
                """);
            // fetchmail refuses an rcfile others can read; the clients run on Linux only.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            var idfile = Path.Combine(_directory, "fetchids");
            var (exit, output, error) = await ExternalClient.RunAsync(
                "fetchmail",
                ["-f", rc, "--idfile", idfile, "--pidfile", Path.Combine(run, "pid"), "--nosyslog", "-v"],
                new Dictionary<string, string> { ["HOME"] = run });
            // 0: mail fetched; 1: no mail (RFC-free fetchmail convention).
            Assert.True(exit is 0 or 1, $"fetchmail exit {exit}\n{output}\n{error}");
            Assert.Contains("STLS", output + error, StringComparison.Ordinal);
            return File.Exists(mbox) ? File.ReadAllText(mbox) : string.Empty;
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }
}
