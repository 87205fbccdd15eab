using System.Globalization;

namespace HostedMail.Core.Domains;

/// <summary>
/// Checks a published DMARC record the way its owner needs to hear about it (RFC 7489 section 6.3
/// grammar, section 6.4 formal definition): strict about every tag it knows, where a receiver
/// (MailAuth's <c>DmarcRecord.TryParse</c>) is lenient and falls back to defaults.
/// </summary>
public static class DmarcRecordSyntax
{
    /// <summary>Null when the record is valid; else what is wrong with it, fit to show the tenant.</summary>
    public static string? Problem(string record)
    {
        var parts = (record ?? string.Empty).Split(';').Select(p => p.Trim()).ToList();
        // A trailing ";" is allowed (dmarc-sep after the last tag).
        while (parts.Count > 0 && parts[^1].Length == 0)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        var tags = new List<(string Name, string Value)>();
        foreach (var part in parts)
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return $"'{part}' is not a tag=value pair";
            }

            tags.Add((part[..eq].TrimEnd(), part[(eq + 1)..].TrimStart()));
        }

        // Section 6.4: "v" and "p" MUST be present and MUST appear in that order (first and second).
        if (tags.Count == 0 || tags[0].Name != "v" || tags[0].Value != "DMARC1")
        {
            return "the record must start with v=DMARC1";
        }

        if (tags.Count < 2 || !tags[1].Name.Equals("p", StringComparison.OrdinalIgnoreCase))
        {
            return "p= must follow v=DMARC1";
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in tags.Skip(1))
        {
            if (!seen.Add(name))
            {
                return $"the {name}= tag appears twice";
            }

            var problem = name.ToLowerInvariant() switch
            {
                "v" => "v= may appear only first",
                "p" or "sp" => IsPolicy(value) ? null : $"{name}={value}: the policy must be none, quarantine or reject",
                "adkim" or "aspf" => value is "r" or "s" or "R" or "S" ? null : $"{name}={value}: alignment must be r (relaxed) or s (strict)",
                "pct" => value.Length is >= 1 and <= 3 && value.All(char.IsAsciiDigit) && int.Parse(value, CultureInfo.InvariantCulture) <= 100 ? null : $"pct={value}: must be a whole number from 0 to 100",
                "ri" => value.Length is >= 1 and <= 10 && value.All(char.IsAsciiDigit) && ulong.Parse(value, CultureInfo.InvariantCulture) <= uint.MaxValue ? null : $"ri={value}: must be a number of seconds",
                "fo" => value.Split(':').All(o => o.Trim() is "0" or "1" or "d" or "s") ? null : $"fo={value}: options are 0, 1, d and s separated by ':'",
                "rf" => value.Split(':').All(k => IsKeyword(k.Trim())) ? null : $"rf={value}: must be report format names separated by ':' (afrf)",
                "rua" or "ruf" => value.Split(',').All(u => IsDmarcUri(u.Trim())) ? null : $"{name}={value}: must be URIs (mailto:...) separated by ','",
                // Section 6.3: unknown tags MUST be ignored; their syntax (a tag name) still matters.
                _ => IsTagName(name) ? null : $"'{name}' is not a tag name",
            };
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static bool IsPolicy(string value) =>
        value.Equals("none", StringComparison.OrdinalIgnoreCase) || value.Equals("quarantine", StringComparison.OrdinalIgnoreCase) || value.Equals("reject", StringComparison.OrdinalIgnoreCase);

    // RFC 6376 section 3.2 tag-name = ALPHA *ALNUMPUNC (ALNUMPUNC = ALPHA / DIGIT / "_").
    private static bool IsTagName(string name) => name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    // RFC 7489 section 6.4 Keyword (RFC 5321 section 4.1.2): ALPHA / DIGIT then letters, digits, hyphens.
    private static bool IsKeyword(string value) => value.Length > 0 && char.IsAsciiLetterOrDigit(value[0]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    // dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (section 6.4).
    private static bool IsDmarcUri(string value)
    {
        var bang = value.LastIndexOf('!');
        if (bang >= 0)
        {
            var size = value[(bang + 1)..];
            var digits = size.Length > 0 && "kmgtKMGT".Contains(size[^1], StringComparison.Ordinal) ? size[..^1] : size;
            if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
            {
                return false;
            }

            value = value[..bang];
        }

        return value.Length > 0 && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme.Length > 0 && !value.Any(char.IsWhiteSpace);
    }
}
