using System.Security.Cryptography;

namespace HostedMail.Core.Messages;

/// <summary>
/// The raw bytes of one message, their SHA-256 (the blob key), and the views IMAP serves from
/// cache so FETCH ENVELOPE/BODYSTRUCTURE and SORT never re-parse the blob.
/// </summary>
public sealed class MessageData
{
    public MessageData(ReadOnlyMemory<byte> bytes, MessageSummary summary)
    {
        Bytes = bytes;
        Summary = summary;
        Sha256 = SHA256.HashData(bytes.Span);
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    public byte[] Sha256 { get; }

    public long Size => Bytes.Length;

    public MessageSummary Summary { get; }

    /// <summary>The top-level header block (blank line included), or null when it is not a prefix of the bytes.</summary>
    public ReadOnlyMemory<byte>? Header => Summary.HeaderSize is { } size && size <= Bytes.Length ? Bytes[..size] : null;
}

/// <summary>
/// What is cached per message at delivery: the IMAP ENVELOPE and BODYSTRUCTURE bytes (RFC 9051 section 7.5.2),
/// sort keys, and the length of the top-level header block (FETCH BODY[HEADER] reads only that prefix).
/// </summary>
public sealed record MessageSummary(
    byte[]? Envelope,
    byte[]? BodyStructure,
    string? Subject,
    DateTimeOffset? SentDate,
    string? FromAddress,
    string? MessageId,
    int? HeaderSize)
{
    public static MessageSummary Empty { get; } = new(null, null, null, null, null, null, null);
}
