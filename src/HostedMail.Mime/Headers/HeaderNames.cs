using System.Text;

namespace HostedMail.Mime;

/// <summary>Canonical spellings of common header names, so parsing does not allocate a string per field for them.</summary>
internal static class HeaderNames
{
    private static readonly string[] Common =
    [
        "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "Message-Id", "In-Reply-To", "References",
        "Reply-To", "Sender", "Received", "Return-Path", "MIME-Version", "Mime-Version", "Content-Type",
        "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Content-Id", "Content-Description",
        "Content-Language", "Content-Location", "Content-MD5", "DKIM-Signature", "Authentication-Results",
        "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Received-SPF", "X-Mailer",
        "User-Agent", "List-Id", "List-Unsubscribe", "Precedence", "Delivered-To", "Thread-Index", "Thread-Topic",
        "X-Spam-Status", "X-Spam-Score", "X-Originating-IP", "Importance", "X-Priority", "Auto-Submitted",
    ];

    private static readonly Dictionary<int, string[]> ByLength = Common
        .GroupBy(n => n.Length)
        .ToDictionary(g => g.Key, g => g.ToArray());

    public static string Get(ReadOnlySpan<byte> name)
    {
        if (ByLength.TryGetValue(name.Length, out string[]? candidates))
        {
            foreach (string c in candidates)
            {
                if (Matches(name, c))
                {
                    return c;
                }
            }
        }

        return Encoding.Latin1.GetString(name);
    }

    private static bool Matches(ReadOnlySpan<byte> bytes, string s)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != s[i])
            {
                return false;
            }
        }

        return true;
    }
}
