using System.Text;
using HostedMail.IntegrationTests.Fuzz;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>
/// Issue 18, item 1 (new logins): a password changed by another process (the operator CLI here,
/// a portal node in production) stops working at once on a node that had it cached, on IMAP,
/// POP3 and SMTP submission alike; the new one works. Sessions already open are not yet ended.
/// </summary>
public sealed class CredentialRevocationTests(FuzzNode node) : IClassFixture<FuzzNode>
{
    private const string Address = "bob@acme.example";
    private const string NewPassword = "quartz lantern ferry seventeen";

    [Fact]
    public async Task APasswordChangedElsewhereIsRefusedAtOnceOnEveryProtocolWhileItWasCached()
    {
        // Warm the node's credential cache on every protocol with the old password.
        for (var i = 0; i < 2; i++)
        {
            Assert.StartsWith("a OK", await ImapLoginAsync(MailNode.Password), StringComparison.Ordinal);
            Assert.StartsWith("+OK", await Pop3LoginAsync(MailNode.Password), StringComparison.Ordinal);
            Assert.StartsWith("235 ", await SmtpAuthAsync(MailNode.Password), StringComparison.Ordinal);
        }

        var changed = await node.Cli.RunWithInputAsync(NewPassword + "\n", "mailbox", "set-password", Address, "--password-stdin");
        Assert.True(changed.ExitCode == 0, changed.ToString());

        Assert.StartsWith("a NO", await ImapLoginAsync(MailNode.Password), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await Pop3LoginAsync(MailNode.Password), StringComparison.Ordinal);
        Assert.StartsWith("535 ", await SmtpAuthAsync(MailNode.Password), StringComparison.Ordinal);
        Assert.StartsWith("a OK", await ImapLoginAsync(NewPassword), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await Pop3LoginAsync(NewPassword), StringComparison.Ordinal);
        Assert.StartsWith("235 ", await SmtpAuthAsync(NewPassword), StringComparison.Ordinal);
    }

    private async Task<string> ImapLoginAsync(string password)
    {
        await using var client = await LineClient.ConnectAsync(node.ImapPort);
        await client.ReadLineAsync();
        await client.SendAsync($"a LOGIN {Address} \"{password}\"\r\n");
        string? line;
        while ((line = await client.ReadLineAsync()) is not null && !line.StartsWith("a ", StringComparison.Ordinal))
        {
        }

        return line ?? "closed";
    }

    private async Task<string> Pop3LoginAsync(string password)
    {
        await using var client = await LineClient.ConnectAsync(node.Pop3Port);
        await client.ReadLineAsync();
        await client.SendAsync($"USER {Address}\r\n");
        await client.ReadLineAsync();
        await client.SendAsync($"PASS {password}\r\n");
        var answer = await client.ReadLineAsync() ?? "closed";
        await client.SendAsync("QUIT\r\n");
        return answer;
    }

    private async Task<string> SmtpAuthAsync(string password)
    {
        await using var client = await LineClient.ConnectAsync(node.SubmissionPort);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        await client.SmtpAsync("STARTTLS");
        await client.StartTlsAsync();
        await client.SmtpAsync("EHLO client.example");
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Address}\0{password}"));
        return await client.SmtpAsync("AUTH PLAIN " + plain);
    }
}
