using System.Text;
using HostedMail.Core.AppPasswords;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;
using HostedMail.Identity.AppPasswords;
using HostedMail.Identity.MailLogin;
using HostedMail.IntegrationTests.Fuzz;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>
/// Issue 18, item 1 (new logins): a password changed by another process (the operator CLI here,
/// a portal node in production) stops working at once on a node that had it cached, on IMAP,
/// POP3 and SMTP submission alike; the new one works. Sessions already open for the mailbox end
/// with their protocol's last word (IMAP * BYE, POP3 -ERR [AUTH], SMTP 421).
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
            Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, Address, MailNode.Password), StringComparison.Ordinal);
            Assert.StartsWith("+OK", await MailLogins.Pop3Async(node.Pop3Port, Address, MailNode.Password), StringComparison.Ordinal);
            Assert.StartsWith("235 ", await MailLogins.SmtpAsync(node.SubmissionPort, Address, MailNode.Password), StringComparison.Ordinal);
        }

        var changed = await node.Cli.RunWithInputAsync(NewPassword + "\n", "mailbox", "set-password", Address, "--password-stdin");
        Assert.True(changed.ExitCode == 0, changed.ToString());

        Assert.StartsWith("a NO", await MailLogins.ImapAsync(node.ImapPort, Address, MailNode.Password), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await MailLogins.Pop3Async(node.Pop3Port, Address, MailNode.Password), StringComparison.Ordinal);
        Assert.StartsWith("535 ", await MailLogins.SmtpAsync(node.SubmissionPort, Address, MailNode.Password), StringComparison.Ordinal);
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, Address, NewPassword), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await MailLogins.Pop3Async(node.Pop3Port, Address, NewPassword), StringComparison.Ordinal);
        Assert.StartsWith("235 ", await MailLogins.SmtpAsync(node.SubmissionPort, Address, NewPassword), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeletedAppPasswordIsRefusedAtOnceWhileItWasCached()
    {
        var address = $"app{Guid.NewGuid().ToString("N")[..8]}@acme.example";
        await node.Cli.OkAsync("mailbox", "create", address, "--tenant", "acme", "--password", MailNode.Password);
        var mailbox = (await node.Services.GetRequiredService<MailboxSignIn>().AuthenticateAsync(address, MailNode.Password))!;
        var apps = node.Services.GetRequiredService<AppPasswordService>();
        var (app, password) = await apps.CreateAsync(mailbox, "phone", Actor.OperatorCli);
        for (var i = 0; i < 2; i++)
        {
            Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, address, password), StringComparison.Ordinal);
            Assert.StartsWith("+OK", await MailLogins.Pop3Async(node.Pop3Port, address, password), StringComparison.Ordinal);
            Assert.StartsWith("235 ", await MailLogins.SmtpAsync(node.SubmissionPort, address, password), StringComparison.Ordinal);
        }

        Assert.True(await apps.DeleteAsync(mailbox, app.AppPasswordId, Actor.OperatorCli));

        Assert.StartsWith("a NO", await MailLogins.ImapAsync(node.ImapPort, address, password), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await MailLogins.Pop3Async(node.Pop3Port, address, password), StringComparison.Ordinal);
        Assert.StartsWith("535 ", await MailLogins.SmtpAsync(node.SubmissionPort, address, password), StringComparison.Ordinal);
        Assert.StartsWith("a OK", await MailLogins.ImapAsync(node.ImapPort, address, MailNode.Password), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("delete")]
    [InlineData("set-password")]
    public async Task OpenSessionsOfARevokedMailboxEndWithTheirProtocolsLastWord(string revocation)
    {
        var name = "rev" + Guid.NewGuid().ToString("N")[..8];
        var address = $"{name}@acme.example";
        await node.Cli.OkAsync("mailbox", "create", address, "--tenant", "acme", "--password", MailNode.Password);

        await using var imap = await LineClient.ConnectAsync(node.ImapPort);
        await imap.ReadLineAsync();
        Assert.StartsWith("a OK", await imap.ImapAsync($"a LOGIN {address} \"{MailNode.Password}\"\r\n", "a "), StringComparison.Ordinal);
        Assert.StartsWith("b OK", await imap.ImapAsync("b SELECT INBOX\r\n", "b "), StringComparison.Ordinal);
        await imap.SendAsync("c IDLE\r\n");
        Assert.StartsWith("+", await imap.ReadLineAsync(), StringComparison.Ordinal);

        await using var pop3 = await LineClient.ConnectAsync(node.Pop3Port);
        await pop3.ReadLineAsync();
        await pop3.SendAsync($"USER {address}\r\nPASS {MailNode.Password}\r\n");
        await pop3.ReadLineAsync();
        Assert.StartsWith("+OK", await pop3.ReadLineAsync(), StringComparison.Ordinal);

        await using var smtp = await LineClient.ConnectAsync(node.SubmissionPort);
        await smtp.ReadSmtpReplyAsync();
        await smtp.SmtpAsync("EHLO client.example");
        await smtp.SmtpAsync("STARTTLS");
        await smtp.StartTlsAsync();
        await smtp.SmtpAsync("EHLO client.example");
        Assert.StartsWith("235 ", await smtp.SmtpAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{address}\0{MailNode.Password}"))), StringComparison.Ordinal);

        var result = revocation switch
        {
            "set-password" => await node.Cli.RunWithInputAsync(NewPassword + "\n", "mailbox", "set-password", address, "--password-stdin"),
            // As the portal disables a mailbox (through the tenant's grain; hand-written SQL tells no grain).
            "disable" => await DisableAsync(address),
            _ => await node.Cli.RunAsync("mailbox", "delete", address),
        };
        Assert.True(result.ExitCode == 0, result.ToString());

        // Each session was waiting for its client; the revocation ends it with a last reply.
        Assert.Equal("* BYE " + HostedMail.Net.MailSessionRegistry.RevokedReason, await imap.ReadLineAsync());
        Assert.Equal("-ERR [AUTH] " + HostedMail.Net.MailSessionRegistry.RevokedReason, await pop3.ReadLineAsync());
        Assert.Equal("421 4.7.0 " + HostedMail.Net.MailSessionRegistry.RevokedReason + "; closing connection", await smtp.ReadSmtpReplyAsync());
        Assert.True(await imap.IsClosedAsync());
        Assert.True(await pop3.IsClosedAsync());
        Assert.True(await smtp.IsClosedAsync());
    }

    private async Task<Cli.CliResult> DisableAsync(string address)
    {
        var tenant = await node.Services.GetRequiredService<TenantService>().GetAsync("acme");
        var mailbox = await node.Services.GetRequiredService<MailboxService>().GetAsync(tenant.TenantId, address);
        var disabled = await node.Services.GetRequiredService<TenantService>().UpdateMailboxAsync(tenant.TenantId, mailbox.MailboxId, new MailboxUpdate(null, null, MailboxState.Disabled), Actor.OperatorCli);
        return disabled.State == MailboxState.Disabled ? new Cli.CliResult(0, "", "") : new Cli.CliResult(1, "", "not disabled");
    }
}
