using HostedMail.Core.Mailboxes;
using HostedMail.Testing;

namespace HostedMail.Imap.Tests;

/// <summary>
/// Behaviour a strict compliance suite checks, one RFC rule per test, over one node and database;
/// each test uses its own mailbox. Messages vary the way real senders do (zones, encoded words,
/// display names, groups). Split by topic into partial files.
/// </summary>
public sealed partial class ComplianceTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private async Task<(Mailbox Mailbox, ImapClient Client)> MailboxAndClientAsync(string name)
    {
        var mailbox = await _node.CreateMailboxAsync(name);
        return (mailbox, await ImapClient.LoginAsync(_node.Port, mailbox.Address));
    }

    private Task<ImapClient> LoginAsync(Mailbox mailbox) => ImapClient.LoginAsync(_node.Port, mailbox.Address);

    /// <summary>Appends with an exact literal and returns the tagged line.</summary>
    private static async Task<string> AppendAsync(ImapClient client, string folder, string message, string flags = "")
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n"));
        var lines = await client.CommandAsync($"APPEND {folder} {(flags.Length > 0 ? "(" + flags + ") " : string.Empty)}{{{bytes.Length}+}}\r\n{System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Contains(" OK [APPENDUID ", lines[^1], StringComparison.Ordinal);
        return lines[^1];
    }
}
