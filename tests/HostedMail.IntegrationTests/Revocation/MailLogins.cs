using System.Text;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>
/// Logins over the three mail protocols as a client makes them, for the revocation tests: one
/// attempt that gives back the server's answer, or a session kept open (IMAP in IDLE) whose end
/// the test then watches.
/// </summary>
internal static class MailLogins
{
    /// <summary>The tagged answer to LOGIN.</summary>
    public static async Task<string> ImapAsync(int port, string address, string password)
    {
        await using var client = await LineClient.ConnectAsync(port);
        await client.ReadLineAsync();
        return await client.ImapAsync($"a LOGIN {address} \"{password}\"\r\n", "a ");
    }

    /// <summary>The answer to PASS; waits for the session to end after QUIT.</summary>
    public static async Task<string> Pop3Async(int port, string address, string password)
    {
        await using var client = await LineClient.ConnectAsync(port);
        await client.ReadLineAsync();
        await client.SendAsync($"USER {address}\r\n");
        await client.ReadLineAsync();
        await client.SendAsync($"PASS {password}\r\n");
        var answer = await client.ReadLineAsync() ?? "closed";
        await client.SendAsync("QUIT\r\n");
        // Wait for the server to end the session (and release the maildrop, RFC 1939 section 6):
        // the next login of the same mailbox would otherwise race it and find the maildrop locked.
        while (await client.ReadLineAsync() is not null)
        {
        }

        return answer;
    }

    /// <summary>The reply to AUTH PLAIN on submission, after STARTTLS.</summary>
    public static async Task<string> SmtpAsync(int port, string address, string password)
    {
        await using var client = await SubmissionAsync(port);
        return await client.SmtpAsync("AUTH PLAIN " + Plain(address, password));
    }

    /// <summary>A logged-in IMAP session with INBOX selected, in IDLE.</summary>
    public static async Task<LineClient> OpenImapAsync(int port, string address, string password)
    {
        var imap = await LineClient.ConnectAsync(port);
        imap.Timeout = TimeSpan.FromSeconds(10);
        await imap.ReadLineAsync();
        Assert.StartsWith("a OK", await imap.ImapAsync($"a LOGIN {address} \"{password}\"\r\n", "a "), StringComparison.Ordinal);
        Assert.StartsWith("b OK", await imap.ImapAsync("b SELECT INBOX\r\n", "b "), StringComparison.Ordinal);
        await imap.SendAsync("c IDLE\r\n");
        Assert.StartsWith("+", await imap.ReadLineAsync(), StringComparison.Ordinal);
        return imap;
    }

    /// <summary>A logged-in POP3 session (TRANSACTION state).</summary>
    public static async Task<LineClient> OpenPop3Async(int port, string address, string password)
    {
        var pop3 = await LineClient.ConnectAsync(port);
        pop3.Timeout = TimeSpan.FromSeconds(10);
        await pop3.ReadLineAsync();
        await pop3.SendAsync($"USER {address}\r\n");
        await pop3.ReadLineAsync();
        await pop3.SendAsync($"PASS {password}\r\n");
        Assert.StartsWith("+OK", await pop3.ReadLineAsync(), StringComparison.Ordinal);
        return pop3;
    }

    /// <summary>An authenticated submission session.</summary>
    public static async Task<LineClient> OpenSmtpAsync(int port, string address, string password)
    {
        var smtp = await SubmissionAsync(port);
        smtp.Timeout = TimeSpan.FromSeconds(10);
        Assert.StartsWith("235 ", await smtp.SmtpAsync("AUTH PLAIN " + Plain(address, password)), StringComparison.Ordinal);
        return smtp;
    }

    private static async Task<LineClient> SubmissionAsync(int port)
    {
        var client = await LineClient.ConnectAsync(port);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        await client.SmtpAsync("STARTTLS");
        await client.StartTlsAsync();
        await client.SmtpAsync("EHLO client.example");
        return client;
    }

    private static string Plain(string address, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{address}\0{password}"));
}
