using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Server;

/// <summary>Ends one command with a tagged NO or BAD (and an optional response code); the session goes on.</summary>
internal sealed class ImapCommandException : Exception
{
    public ImapCommandException()
    {
    }

    public ImapCommandException(string message)
        : base(message)
    {
    }

    public ImapCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ImapCommandException(ImapStatus status, string? code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public ImapStatus Status { get; } = ImapStatus.No;

    public string? Code { get; }

    public static ImapCommandException No(string? code, string message) => new(ImapStatus.No, code, message);

    public static ImapCommandException Bad(string message) => new(ImapStatus.Bad, null, message);
}

/// <summary>Ends the session with * BYE (timeouts, hostile input, the selected folder vanished).</summary>
internal sealed class ImapSessionEndException : Exception
{
    public ImapSessionEndException()
    {
    }

    public ImapSessionEndException(string message)
        : base(message)
    {
    }

    public ImapSessionEndException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
