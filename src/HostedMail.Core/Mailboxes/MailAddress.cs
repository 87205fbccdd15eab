namespace HostedMail.Core.Mailboxes;

/// <summary>
/// An address of a hosted mailbox or alias, normalised: local part lower-cased, domain in
/// lower-case A-label form. Stricter than RFC 5321 on purpose: hosted addresses are dot-atoms
/// (RFC 5322 section 3.2.3), optionally with UTF-8 letters (RFC 6531), so every client can type them.
/// </summary>
public sealed record MailAddress(string LocalPart, string Domain)
{
    public const int MaximumLocalPartLength = 64;     // RFC 5321 section 4.5.3.1.1

    public string Value => LocalPart + "@" + Domain;

    public bool IsCatchAll => LocalPart == "*";

    public override string ToString() => Value;

    /// <summary>Parses and normalises; throws Invalid when the address is not acceptable.</summary>
    public static MailAddress Parse(string input, bool allowCatchAll = false)
    {
        var error = TryParse(input, allowCatchAll, out var address);
        return error is null ? address! : throw HostedMailException.Invalid(error);
    }

    /// <summary>Returns null and the address, or a message saying why the input is not a valid address.</summary>
    public static string? TryParse(string? input, bool allowCatchAll, out MailAddress? address)
    {
        address = null;
        var text = (input ?? string.Empty).Trim();
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return $"'{input}' is not a valid email address";
        }

        var local = text[..at].ToLowerInvariant();
        var domainError = Domains.DomainName.TryNormalize(text[(at + 1)..], out var domain);
        if (domainError is not null)
        {
            return $"'{input}' is not a valid email address: {domainError}";
        }

        if (local == "*")
        {
            if (!allowCatchAll)
            {
                return $"'{input}' is not a valid email address";
            }

            address = new MailAddress(local, domain);
            return null;
        }

        if (!IsDotAtom(local))
        {
            return $"'{input}' is not a valid email address: the part before @ must be letters, digits, dots and !#$%&'*+-/=?^_`{{|}}~";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(local) > MaximumLocalPartLength)
        {
            return $"'{input}' is not a valid email address: the part before @ is longer than {MaximumLocalPartLength} octets";
        }

        address = new MailAddress(local, domain);
        return null;
    }

    private static bool IsDotAtom(string local)
    {
        if (local.Length == 0 || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in local)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal)
                || (c > 127 && char.IsLetterOrDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
