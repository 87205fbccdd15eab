using System.Security.Cryptography;
using System.Text;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// Sender Rewriting Scheme for forwarded mail: the envelope sender of a forward becomes
/// <c>SRS0=hash=tt=domain=local@srs-domain</c>, so SPF at the destination checks our domain, and
/// bounces coming back can be mapped to the original sender. The hash (HMAC-SHA256 of timestamp
/// and address, 4 base64 characters) stops anyone from using the rewritten addresses as an open
/// relay; the timestamp (days, mod 1024, two base32 characters) limits their lifetime.
/// </summary>
public sealed class Srs(OutboundOptions options, TimeProvider timeProvider)
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>True when SRS is configured.</summary>
    public bool Enabled => options.Srs.IsConfigured;

    /// <summary>The rewritten sender, or the sender unchanged (null sender, SRS off, or the result would be too long).</summary>
    public string Forward(string sender)
    {
        var at = sender.LastIndexOf('@');
        if (!Enabled || sender.Length == 0 || at <= 0 || sender[(at + 1)..].Equals(options.Srs.Domain, StringComparison.OrdinalIgnoreCase))
        {
            return sender;
        }

        var local = sender[..at];
        var domain = sender[(at + 1)..];
        var stamp = Timestamp(timeProvider.GetUtcNow());
        var rewritten = $"SRS0={Hash(stamp, domain, local)}={stamp}={domain}={local}";
        // RFC 5321 section 4.5.3.1.1: a local part is at most 64 octets.
        return Encoding.UTF8.GetByteCount(rewritten) <= 64 ? rewritten + "@" + options.Srs.Domain : sender;
    }

    /// <summary>The original sender of a rewritten address, or null when it is not ours, forged, or too old.</summary>
    public string? Reverse(string address)
    {
        var at = address.LastIndexOf('@');
        if (!Enabled || at <= 0 || !address[(at + 1)..].Equals(options.Srs.Domain, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = address[..at].Split('=', 5);
        if (parts.Length != 5 || !parts[0].Equals("SRS0", StringComparison.OrdinalIgnoreCase) || parts[2].Length != 2)
        {
            return null;
        }

        var (hash, stamp, domain, local) = (parts[1], parts[2].ToUpperInvariant(), parts[3], parts[4]);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(Hash(stamp, domain, local))))
        {
            return null;
        }

        var age = (Days(timeProvider.GetUtcNow()) - Decode(stamp) + 1024) % 1024;
        return age <= options.Srs.MaxAgeDays ? local + "@" + domain : null;
    }

    private string Hash(string stamp, string domain, string local)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Srs.Secret), Encoding.UTF8.GetBytes((stamp + "=" + domain + "=" + local).ToLowerInvariant()));
        // Base64 without '+' and '/', which are awkward in local parts.
        return Convert.ToBase64String(mac)[..4].Replace('+', '-').Replace('/', '_');
    }

    private static int Days(DateTimeOffset now) => (int)(now.ToUnixTimeSeconds() / 86400 % 1024);

    private static string Timestamp(DateTimeOffset now)
    {
        var days = Days(now);
        return new string([Base32[days >> 5], Base32[days & 31]]);
    }

    private static int Decode(string stamp) => (Base32.IndexOf(stamp[0], StringComparison.Ordinal) << 5) | Base32.IndexOf(stamp[1], StringComparison.Ordinal);
}
