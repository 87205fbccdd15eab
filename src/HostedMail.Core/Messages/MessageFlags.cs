namespace HostedMail.Core.Messages;

/// <summary>The IMAP system flags (RFC 9051 section 2.3.2), stored as bits.</summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}
