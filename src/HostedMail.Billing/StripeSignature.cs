using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HostedMail.Billing;

/// <summary>
/// Verifies a <c>Stripe-Signature</c> header as Stripe's documentation defines it: <c>t=</c> the
/// Unix time, one or more <c>v1=</c> hex HMAC-SHA256 signatures of <c>"{t}.{body}"</c> keyed with the
/// endpoint secret. Any of several secrets may match (rotation: Stripe signs with the old and the
/// new secret for a while); the timestamp must be within the tolerance, against replays.
/// </summary>
public static class StripeSignature
{
    public static string? Problem(ReadOnlySpan<byte> body, string? header, IReadOnlyList<string> secrets, TimeSpan tolerance, DateTimeOffset now)
    {
        if (secrets.Count == 0)
        {
            return "no webhook secret is configured (Billing:WebhookSecrets)";
        }

        if (string.IsNullOrWhiteSpace(header))
        {
            return "missing Stripe-Signature header";
        }

        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    // Not hex: ignored like any signature that does not match.
                }
            }
        }

        if (timestamp is not { } ts || signatures.Count == 0)
        {
            return "Stripe-Signature has no timestamp or no v1 signature";
        }

        var signedPayload = new byte[Encoding.ASCII.GetByteCount(ts.ToString(CultureInfo.InvariantCulture)) + 1 + body.Length];
        var prefix = Encoding.ASCII.GetBytes(ts.ToString(CultureInfo.InvariantCulture) + ".");
        prefix.CopyTo(signedPayload, 0);
        body.CopyTo(signedPayload.AsSpan(prefix.Length));
        var matched = false;
        foreach (var secret in secrets)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signedPayload);
            foreach (var signature in signatures)
            {
                // Compare every candidate in constant time; no early exit that times the secret.
                matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
            }
        }

        if (!matched)
        {
            return "no signature matches";
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(ts);
        return age > tolerance || age < -tolerance
            ? $"the signature's timestamp is outside the tolerance of {tolerance.TotalSeconds:0} s"
            : null;
    }

    /// <summary>A header as Stripe sends it (for tests and the operator's replay tooling).</summary>
    public static string Header(string body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return "t=" + t + ",v1=" + Convert.ToHexStringLower(mac);
    }
}
