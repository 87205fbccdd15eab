using System.Globalization;

namespace HostedMail.Conformance;

/// <summary>
/// The two servers for the whole conformance collection: a private Dovecot and a HostedMail node on
/// its own test database, each with the built-in message set APPENDed to INBOX of one mailbox, in the
/// same order, with the same flags and INTERNALDATEs.
/// </summary>
public sealed class ConformanceFixture : IAsyncLifetime
{
    public DovecotServer Dovecot { get; private set; } = null!;

    public HostedMailServer HostedMail { get; private set; } = null!;

    /// <summary>Our login for the message-comparison mailbox (Dovecot's is "corpus").</summary>
    public string OurCorpusUser { get; private set; } = string.Empty;

    public IReadOnlyList<TestMessage> Messages { get; } = BuiltInMessages.All;

    /// <summary>Which allow-list entries the comparisons of this run used (stale-entry detection).</summary>
    public AllowListUsage AllowListUsage { get; } = new();

    private int _nextDovecotUser;

    /// <summary>A Dovecot user no test has used yet (a fresh, empty mailbox).</summary>
    public string NextDovecotUser()
    {
        var index = Interlocked.Increment(ref _nextDovecotUser);
        return index < DovecotServer.Users.Count ? DovecotServer.Users[index] : throw new InvalidOperationException("out of Dovecot users: add more to DovecotServer.Users");
    }

    public async Task InitializeAsync()
    {
        var dovecot = DovecotServer.StartAsync();
        var hostedMail = HostedMailServer.StartAsync();
        Dovecot = await dovecot;
        HostedMail = await hostedMail;
        OurCorpusUser = await HostedMail.CreateMailboxAsync("corpus");
        await using var ours = await OpenOursAsync(OurCorpusUser);
        await using var theirs = await OpenTheirsAsync("corpus");
        await Task.WhenAll(AppendAllAsync(ours, "INBOX", Messages), AppendAllAsync(theirs, "INBOX", Messages));
    }

    public Task<RawImapClient> OpenOursAsync(string user) => RawImapClient.LoginAsync(HostedMail.Port, user, HostedMailServer.Password);

    public Task<RawImapClient> OpenTheirsAsync(string user) => RawImapClient.LoginAsync(Dovecot.Port, user, DovecotServer.Password);

    /// <summary>APPENDs every message with its flags and explicit INTERNALDATE (RFC 3501 section 6.3.11).</summary>
    public static async Task AppendAllAsync(RawImapClient client, string folder, IEnumerable<TestMessage> messages)
    {
        foreach (var message in messages)
        {
            var reply = await client.CommandAsync(
                $"APPEND {folder} {message.Flags} \"{message.InternalDate}\" {{{message.Octets.Length.ToString(CultureInfo.InvariantCulture)}}}\r\n{message.Octets}");
            if (!reply.IsOk)
            {
                throw new InvalidOperationException($"APPEND of {message.Name} failed: {reply.Tagged}");
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (HostedMail is not null)
        {
            await HostedMail.DisposeAsync();
        }

        if (Dovecot is not null)
        {
            await Dovecot.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceFixture>
{
    public const string Name = "Dovecot conformance";
}
