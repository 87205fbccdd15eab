using System.Text;
using HostedMail.Mime;

namespace HostedMail.Core.Imap;

/// <summary>
/// The decoded text SEARCH looks in (RFC 9051 section 6.4.4: matching is on decoded header values and
/// body text, case-insensitive substrings): header fields unfolded and RFC 2047-decoded, one
/// "name: value" line each with the name in lower case, and the text of the body parts.
/// </summary>
public static class MessageText
{
    /// <summary>Body text beyond this many characters is not indexed.</summary>
    public const int MaxBodyChars = 1 << 20;

    public static (string Headers, string Body) Extract(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = new StringBuilder();
        foreach (var header in message.Headers)
        {
            var value = header.DecodedValue;
            headers.Append(header.Name.ToLowerInvariant()).Append(": ").Append(value.Replace('\n', ' ').Replace('\r', ' ')).Append('\n');
        }

        return (Clean(headers.ToString()), Clean(message.ExtractText(MaxBodyChars)));
    }

    // PostgreSQL text cannot hold NUL.
    private static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace("\0", string.Empty, StringComparison.Ordinal) : value;
}
