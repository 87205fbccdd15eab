using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Mime;

namespace HostedMail.Imap.Protocol;

/// <summary>The commands of RFC 9051 and the extensions this server implements.</summary>
internal enum ImapVerb
{
    Capability,
    Noop,
    Logout,
    StartTls,
    Authenticate,
    Login,
    Enable,
    Select,
    Examine,
    Create,
    Delete,
    Rename,
    Subscribe,
    Unsubscribe,
    List,
    Lsub,
    Namespace,
    Status,
    Append,
    Idle,
    Check,
    Close,
    Unselect,
    Expunge,
    Search,
    Fetch,
    Store,
    Copy,
    Move,
    Sort,
    Thread,
    Id,
    Compress,
    GetQuota,
    GetQuotaRoot,
    SetQuota,
}

/// <summary>A parsed command: its tag, verb and whether it came with the UID prefix.</summary>
internal record ImapCommand(string Tag, ImapVerb Verb)
{
    public bool Uid { get; init; }
}

internal sealed record LoginCommand(string Tag, string User, string Password) : ImapCommand(Tag, ImapVerb.Login)
{
    public override string ToString() => $"LoginCommand {{ Tag = {Tag}, User = {User} }}";
}

internal sealed record AuthenticateCommand(string Tag, string Mechanism, string? InitialResponse) : ImapCommand(Tag, ImapVerb.Authenticate)
{
    public override string ToString() => $"AuthenticateCommand {{ Tag = {Tag}, Mechanism = {Mechanism} }}";
}

internal sealed record EnableCommand(string Tag, IReadOnlyList<string> Capabilities) : ImapCommand(Tag, ImapVerb.Enable);

/// <summary>QRESYNC select parameter (RFC 7162 section 3.2.5).</summary>
internal sealed record QresyncParameters(long UidValidity, long ModSeq, SequenceSet? KnownUids, SequenceSet? KnownSequence, SequenceSet? KnownSequenceUids);

internal sealed record SelectCommand(string Tag, ImapVerb SelectVerb, string Mailbox, bool CondStore, QresyncParameters? Qresync) : ImapCommand(Tag, SelectVerb);

internal sealed record MailboxCommand(string Tag, ImapVerb MailboxVerb, string Mailbox) : ImapCommand(Tag, MailboxVerb);

internal sealed record CreateCommand(string Tag, string Mailbox, IReadOnlyList<string> SpecialUse) : ImapCommand(Tag, ImapVerb.Create);

internal sealed record RenameCommand(string Tag, string From, string To) : ImapCommand(Tag, ImapVerb.Rename);

/// <summary>LIST / LSUB with RFC 5258 selection and return options and RFC 5819 STATUS.</summary>
internal sealed record ListCommand(string Tag, ImapVerb ListVerb, string Reference, IReadOnlyList<string> Patterns) : ImapCommand(Tag, ListVerb)
{
    public bool SelectSubscribed { get; init; }

    public bool SelectSpecialUse { get; init; }

    public bool RecursiveMatch { get; init; }

    public bool ReturnSubscribed { get; init; }

    public bool ReturnChildren { get; init; }

    public bool ReturnSpecialUse { get; init; }

    public IReadOnlyList<string>? ReturnStatus { get; init; }

    /// <summary>Whether any RFC 5258 syntax was used (then \HasChildren and the like follow its rules).</summary>
    public bool Extended { get; init; }
}

internal sealed record StatusCommand(string Tag, string Mailbox, IReadOnlyList<string> Items) : ImapCommand(Tag, ImapVerb.Status);

/// <summary>One message of APPEND (MULTIAPPEND, RFC 3502, sends several).</summary>
internal sealed record AppendMessage(MessageFlags Flags, IReadOnlyList<string> Keywords, DateTimeOffset? InternalDate, ReadOnlyMemory<byte> Data, bool Binary);

internal sealed record AppendCommand(string Tag, string Mailbox, IReadOnlyList<AppendMessage> Messages) : ImapCommand(Tag, ImapVerb.Append);

internal sealed record ExpungeCommand(string Tag, SequenceSet? UidSet) : ImapCommand(Tag, ImapVerb.Expunge);

/// <summary>What ESEARCH should return (RFC 4731, RFC 5182 SAVE); null Return means a classic SEARCH response.</summary>
internal sealed record SearchReturn(bool Min, bool Max, bool All, bool Count, bool Save)
{
    public static SearchReturn Default { get; } = new(false, false, true, false, false);
}

/// <summary>A sequence-number or UID set inside a search program, resolved by the session.</summary>
internal sealed record SequenceSetKey(SequenceSet Set, bool IsUid) : SearchKey;

internal sealed record SearchCommand(string Tag, SearchKey Key, string? Charset, SearchReturn? Return) : ImapCommand(Tag, ImapVerb.Search);

internal sealed record SortCommand(string Tag, IReadOnlyList<SortCriterion> Criteria, SearchKey Key, SearchReturn? Return) : ImapCommand(Tag, ImapVerb.Sort);

internal sealed record ThreadCommand(string Tag, string Algorithm, SearchKey Key) : ImapCommand(Tag, ImapVerb.Thread);

/// <summary>Kinds of FETCH data item (RFC 9051 section 6.4.5).</summary>
internal enum FetchKind
{
    Uid,
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    BodyStructure,
    Body,
    ModSeq,
    Section,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    Binary,
    BinarySize,
}

/// <summary>One FETCH item; Section items carry the parsed section, PEEK and partial range.</summary>
internal sealed record FetchItem(FetchKind Kind, ImapSection? Section = null, bool Peek = false);

internal sealed record FetchCommand(string Tag, SequenceSet Set, IReadOnlyList<FetchItem> Items, long? ChangedSince, bool Vanished) : ImapCommand(Tag, ImapVerb.Fetch);

internal sealed record StoreCommand(string Tag, SequenceSet Set, FlagStoreMode Mode, bool Silent, MessageFlags Flags, IReadOnlyList<string> Keywords, long? UnchangedSince) : ImapCommand(Tag, ImapVerb.Store);

internal sealed record CopyCommand(string Tag, ImapVerb CopyVerb, SequenceSet Set, string Mailbox) : ImapCommand(Tag, CopyVerb);

internal sealed record IdCommand(string Tag, IReadOnlyList<KeyValuePair<string, string?>>? Parameters) : ImapCommand(Tag, ImapVerb.Id);

internal sealed record CompressCommand(string Tag, string Mechanism) : ImapCommand(Tag, ImapVerb.Compress);

internal sealed record QuotaCommand(string Tag, ImapVerb QuotaVerb, string Argument) : ImapCommand(Tag, QuotaVerb);
