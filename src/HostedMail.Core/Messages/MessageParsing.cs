using HostedMail.Mime;

namespace HostedMail.Core.Messages;

/// <summary>Parses raw message bytes once, at delivery or APPEND, into what the store caches.</summary>
public static class MessageParsing
{

    /// <summary>The bytes with their SHA-256 and cached IMAP views. Never throws on malformed mail.</summary>
    public static MessageData Prepare(ReadOnlyMemory<byte> bytes)
    {
        var message = MimeMessage.Parse(bytes);
        return new MessageData(bytes, Summarize(message));
    }

    public static MessageSummary Summarize(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var from = message.From.OfType<MailboxAddress>().FirstOrDefault();
        return new MessageSummary(
            message.GetImapEnvelope(),
            message.GetImapBodyStructure(),
            // Whole: SEARCH SUBJECT matches on it (the ENVELOPE holds it whole too).
            Truncate(message.Subject, int.MaxValue),
            message.Date,
            Truncate(from?.Address, 500),
            Truncate(message.MessageId, 1000),
            // The header is a prefix of the blob unless something (an mbox "From " line) precedes it.
            message.Root.Offset == 0 ? message.Root.BodyOffset : null);
    }

    // PostgreSQL text cannot hold NUL; sort keys need no more than a prefix.
    private static string? Truncate(string? value, int max)
    {
        if (value is null)
        {
            return null;
        }

        value = value.Replace("\0", string.Empty, StringComparison.Ordinal);
        return value.Length <= max ? value : value[..max];
    }
}
