using System.Security.Cryptography;
using Orleans;

namespace HostedMail.Core.Domains;

/// <summary>The DNS proof of domain ownership: a TXT record at <c>_hostedmail.&lt;domain&gt;</c> holding a per-domain token.</summary>
public static class DomainOwnership
{
    public const string RecordPrefix = "_hostedmail.";
    public const string ValuePrefix = "hostedmail-verification=";

    public static string RecordName(string domain) => RecordPrefix + domain;

    public static string RecordValue(string token) => ValuePrefix + token;

    /// <summary>A fresh token: 128 random bits, lower-case base32 without padding (safe in any TXT tooling).</summary>
    public static string NewToken()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[26];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        chars[n] = alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars);
    }
}

/// <summary>Looks up the ownership TXT record of a domain (implemented over the DNS resolver).</summary>
public interface IDomainOwnershipProbe
{
    Task<OwnershipProbeResult> ProbeAsync(string domain, string expectedValue, CancellationToken cancellationToken);
}

/// <summary>What the DNS said about the ownership record.</summary>
/// <param name="Found">The TXT values seen at the record name (for showing the tenant what is there).</param>
[GenerateSerializer]
[Alias("HostedMail.OwnershipProbeResult")]
public sealed record OwnershipProbeResult(OwnershipProbeStatus Status, IReadOnlyList<string> Found, string? Error = null);

/// <summary>Whether the expected record is present; TemporaryFailure means DNS did not answer and the check should be retried.</summary>
[GenerateSerializer]
public enum OwnershipProbeStatus
{
    Present,
    Missing,
    Wrong,
    TemporaryFailure,
}
