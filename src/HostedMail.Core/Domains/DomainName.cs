using System.Globalization;
using System.Net;

namespace HostedMail.Core.Domains;

/// <summary>Normalises and validates DNS domain names as tenants type them.</summary>
public static class DomainName
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>
    /// Returns the lower-case ASCII (A-label) form of <paramref name="input"/>, or throws an
    /// Invalid <see cref="HostedMailException"/> naming what is wrong.
    /// </summary>
    public static string Normalize(string input)
    {
        var error = TryNormalize(input, out var normalized);
        return error is null ? normalized : throw HostedMailException.Invalid(error);
    }

    /// <summary>Returns null and the normalised name, or a message saying why the name is not valid.</summary>
    public static string? TryNormalize(string? input, out string normalized)
    {
        normalized = string.Empty;
        var name = (input ?? string.Empty).Trim();
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.Length == 0)
        {
            return "domain name must not be empty";
        }

        if (IPAddress.TryParse(name.Trim('[', ']'), out _))
        {
            return $"'{input}' is an IP address, not a domain name";
        }

        string ascii;
        try
        {
            // UTS #46 mapping (lower-cases, maps full-width forms) and RFC 3492 punycode (RFC 5891 section 4).
            ascii = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return $"'{input}' is not a valid domain name";
        }

        // RFC 1035 section 2.3.4: 63 octets a label, 253 for the name in text form.
        if (ascii.Length > 253)
        {
            return $"'{input}' is too long for a domain name";
        }

        var labels = ascii.Split('.');
        if (labels.Length < 2)
        {
            return $"'{input}' is not a fully qualified domain name";
        }

        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return $"'{input}' is not a valid domain name";
            }
        }

        // RFC 3696 section 2: a top-level domain is never all-numeric.
        if (labels[^1].All(char.IsAsciiDigit))
        {
            return $"'{input}' is not a valid domain name";
        }

        normalized = ascii;
        return null;
    }

    /// <summary>The Unicode (U-label) form for display; the input itself when it cannot be decoded.</summary>
    public static string ToUnicode(string asciiName)
    {
        try
        {
            return Idn.GetUnicode(asciiName);
        }
        catch (ArgumentException)
        {
            return asciiName;
        }
    }
}
