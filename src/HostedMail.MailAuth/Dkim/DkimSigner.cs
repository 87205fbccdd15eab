using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HostedMail.MailAuth.Dkim;

/// <summary>Options of one signature: canonicalisation, signed and over-signed header fields, identity and expiry.</summary>
public sealed class DkimSignOptions
{
    /// <summary>Header canonicalisation; relaxed survives re-folding by relays.</summary>
    public DkimCanonicalization HeaderCanonicalization { get; set; } = DkimCanonicalization.Relaxed;

    /// <summary>Body canonicalisation.</summary>
    public DkimCanonicalization BodyCanonicalization { get; set; } = DkimCanonicalization.Relaxed;

    /// <summary>Header fields signed when present (RFC 6376 section 5.4.1's recommended set).</summary>
    public IList<string> Headers { get; init; } =
    [
        "From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "Content-ID", "Content-Description", "In-Reply-To", "References",
        "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive",
        "List-Unsubscribe-Post", "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Message-ID",
    ];

    /// <summary>Header fields named once more than they occur, so none can be added later without breaking the signature (RFC 6376 section 8.15).</summary>
    public IList<string> OverSignedHeaders { get; init; } =
    [
        "From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "In-Reply-To", "References",
    ];

    /// <summary>The i= identity; omitted when null (then "@" + d=).</summary>
    public string? Identity { get; set; }

    /// <summary>Adds x= this long after t=; null for none.</summary>
    public TimeSpan? Expiration { get; set; }
}

/// <summary>
/// Signs raw messages with rsa-sha256 (RFC 6376 section 5) or ed25519-sha256 (RFC 8463), as the key says; returns the
/// DKIM-Signature field(s) to prepend.
/// </summary>
public sealed class DkimSigner(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The "DKIM-Signature: ..." header field, CRLF-terminated and folded, to prepend to <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlyMemory<byte> message, DkimSigningKey key, DkimSignOptions? options = null) =>
        Sign(message, [key], options);

    /// <summary><paramref name="message"/> with the DKIM-Signature field of <paramref name="key"/> prepended.</summary>
    public byte[] SignedCopy(byte[] message, DkimSigningKey key, DkimSignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var signature = Sign(message, key, options);
        var result = new byte[signature.Length + message.Length];
        signature.CopyTo(result, 0);
        message.CopyTo(result, signature.Length);
        return result;
    }

    /// <summary>
    /// One DKIM-Signature field per key, in the order given, concatenated, to prepend to <paramref name="message"/>.
    /// RFC 8463 section 1 recommends signing with both an RSA and an Ed25519 key while receivers adopt Ed25519: each
    /// signature covers the same header fields and body and none covers the others (DKIM-Signature is not in h=), so
    /// verifiers judge them independently (RFC 6376 section 4.2) and the field order does not matter.
    /// </summary>
    public byte[] Sign(ReadOnlyMemory<byte> message, IReadOnlyList<DkimSigningKey> keys, DkimSignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            throw new ArgumentException("At least one key is needed.", nameof(keys));
        }

        options ??= new DkimSignOptions();
        var parsed = RawMessage.Parse(message);
        if (!parsed.Headers.Any(h => h.Name.Equals("From", StringComparison.OrdinalIgnoreCase)))
        {
            // Section 5.4: From MUST be signed, so a message without one cannot be.
            throw new ArgumentException("The message has no From header field.", nameof(message));
        }

        var names = new List<string>();
        foreach (var header in options.Headers)
        {
            var count = parsed.Headers.Count(h => h.Name.Equals(header, StringComparison.OrdinalIgnoreCase));
            var overSign = options.OverSignedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < count + (overSign ? 1 : 0); i++)
            {
                names.Add(header);
            }
        }

        // Both algorithms hash with SHA-256 (RFC 8463 section 3 reuses RFC 6376's body hash), so one bh= serves every key.
        var body = DkimCanonicalizer.Body(parsed.Body.Span, options.BodyCanonicalization);
        var bodyHash = Convert.ToBase64String(SHA256.HashData(body));
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var signedHeaders = DkimVerifierSignedHeaders(parsed, names, options.HeaderCanonicalization, new ArrayBufferWriter<byte>(4096)).WrittenSpan.ToArray();
        var output = new List<byte>();
        foreach (var key in keys)
        {
            output.AddRange(SignOne(key, options, names, bodyHash, now, signedHeaders));
        }

        return [.. output];
    }

    private static byte[] SignOne(DkimSigningKey key, DkimSignOptions options, List<string> names, string bodyHash, long now, byte[] signedHeaders)
    {
        var c = $"{Mode(options.HeaderCanonicalization)}/{Mode(options.BodyCanonicalization)}";
        var tags = new List<string>
        {
            "v=1", "a=" + key.Algorithm, "c=" + c, "d=" + key.Domain, "s=" + key.Selector,
        };
        if (options.Identity is not null)
        {
            tags.Add("i=" + options.Identity);
        }

        tags.Add("t=" + now.ToString(CultureInfo.InvariantCulture));
        if (options.Expiration is { } expiration)
        {
            tags.Add("x=" + (now + (long)expiration.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        tags.Add("h=" + string.Join(':', names));
        tags.Add("bh=" + bodyHash);
        tags.Add("b=");

        var field = Fold("DKIM-Signature: ", tags);
        var data = new ArrayBufferWriter<byte>(signedHeaders.Length + 1024);
        data.Write(signedHeaders);
        DkimCanonicalizer.Header(data, Encoding.ASCII.GetBytes(field), options.HeaderCanonicalization, withCrLf: false);
        var signature = key.SignHeaderData(data.WrittenSpan);

        var builder = new StringBuilder(field);
        var b64 = Convert.ToBase64String(signature);
        var column = field.Length - field.LastIndexOf('\n') - 1;
        for (var i = 0; i < b64.Length;)
        {
            var take = Math.Min(b64.Length - i, Math.Max(1, 76 - column));
            builder.Append(b64, i, take);
            i += take;
            column += take;
            if (i < b64.Length)
            {
                builder.Append("\r\n\t ");
                column = 2;
            }
        }

        builder.Append("\r\n");
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static ArrayBufferWriter<byte> DkimVerifierSignedHeaders(RawMessage parsed, List<string> names, DkimCanonicalization mode, ArrayBufferWriter<byte> output)
    {
        var used = new HashSet<int>();
        foreach (var name in names)
        {
            for (var i = parsed.Headers.Count - 1; i >= 0; i--)
            {
                if (!used.Contains(i) && parsed.Headers[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    used.Add(i);
                    DkimCanonicalizer.Header(output, parsed.Headers[i].Field.Span, mode);
                    break;
                }
            }
        }

        return output;
    }

    /// <summary>Folds tags onto lines of at most 78 characters; h= may break before a colon (RFC 6376 section 3.5 allows FWS there).</summary>
    private static string Fold(string start, List<string> tags)
    {
        var builder = new StringBuilder(start);
        var column = start.Length;
        for (var t = 0; t < tags.Count; t++)
        {
            var tag = tags[t] + (t < tags.Count - 1 ? ";" : string.Empty);
            var pieces = tag.StartsWith("h=", StringComparison.Ordinal) ? SplitKeepingColons(tag) : [tag];
            for (var p = 0; p < pieces.Count; p++)
            {
                var piece = pieces[p];
                var separator = p == 0 ? (column == start.Length ? string.Empty : " ") : string.Empty;
                if (column + separator.Length + piece.Length > 78 && column > 1)
                {
                    builder.Append("\r\n\t");
                    column = 1;
                    separator = string.Empty;
                }

                builder.Append(separator).Append(piece);
                column += separator.Length + piece.Length;
            }
        }

        return builder.ToString();
    }

    private static List<string> SplitKeepingColons(string tag)
    {
        var parts = tag.Split(':');
        var result = new List<string> { parts[0] };
        for (var i = 1; i < parts.Length; i++)
        {
            result.Add(":" + parts[i]);
        }

        return result;
    }

    private static string Mode(DkimCanonicalization mode) => mode == DkimCanonicalization.Simple ? "simple" : "relaxed";
}
