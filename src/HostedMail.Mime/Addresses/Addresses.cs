using System.Text;

namespace HostedMail.Mime;

/// <summary>An entry of an address list: a mailbox or a group of mailboxes (RFC 5322 section 3.4).</summary>
public abstract class MailAddress
{
    private protected MailAddress(string? displayName, string? rawDisplayName)
    {
        DisplayName = displayName;
        RawDisplayName = rawDisplayName;
    }

    /// <summary>The display name (mailbox) or group name, RFC 2047-decoded; null when absent.</summary>
    public string? DisplayName { get; }

    /// <summary>The display name unquoted but not RFC 2047-decoded, as IMAP ENVELOPE wants it.</summary>
    public string? RawDisplayName { get; }
}

/// <summary>A single mailbox "Name &lt;local@domain&gt;", possibly internationalised (RFC 6532) or with an IDN domain.</summary>
public sealed class MailboxAddress : MailAddress
{
    /// <summary>Creates a mailbox address.</summary>
    public MailboxAddress(string? displayName, string localPart, string domain, string? route = null, string? rawDisplayName = null)
        : base(displayName, rawDisplayName ?? displayName)
    {
        LocalPart = localPart;
        Domain = domain;
        Route = route;
    }

    /// <summary>The local part, unquoted.</summary>
    public string LocalPart { get; }

    /// <summary>The domain as written (may be Unicode, "xn--" or a domain literal "[1.2.3.4]"); empty when missing.</summary>
    public string Domain { get; }

    /// <summary>The obsolete source route ("@a,@b"), or null (RFC 5322 section 4.4).</summary>
    public string? Route { get; }

    /// <summary>"local@domain", with the local part quoted when it is not a dot-atom.</summary>
    public string Address => Domain.Length == 0 ? QuoteLocalPart(LocalPart) : QuoteLocalPart(LocalPart) + "@" + Domain;

    /// <summary>The domain with Unicode labels converted to "xn--" A-labels.</summary>
    public string AsciiDomain => Punycode.ToAscii(Domain);

    /// <summary>The domain with "xn--" labels converted to Unicode.</summary>
    public string UnicodeDomain => Punycode.ToUnicode(Domain);

    /// <summary>True when the local part has non-ASCII characters, so delivery needs SMTPUTF8 (RFC 6531).</summary>
    public bool IsInternational => !System.Text.Ascii.IsValid(LocalPart);

    /// <summary>Parses one mailbox, or returns null when the text holds none.</summary>
    public static MailboxAddress? Parse(string text) => AddressParser.ParseList(text).Mailboxes().FirstOrDefault();

    internal static string QuoteLocalPart(string local)
    {
        if (IsDotAtom(local))
        {
            return local;
        }

        var sb = new StringBuilder(local.Length + 2).Append('"');
        foreach (char c in local)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }

    internal static bool IsDotAtom(string s)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.' || s.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in s)
        {
            if (c == '.')
            {
                continue;
            }

            if (c <= ' ' || c == 0x7F || HeaderLexer.IsSpecial(c, mime: false))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => DisplayName is null ? Address : $"\"{DisplayName}\" <{Address}>";
}

/// <summary>A named group of mailboxes, "Name: a@x, b@y;" (RFC 5322 section 3.4).</summary>
public sealed class GroupAddress : MailAddress
{
    /// <summary>Creates a group.</summary>
    public GroupAddress(string displayName, IReadOnlyList<MailboxAddress> members, string? rawDisplayName = null)
        : base(displayName, rawDisplayName ?? displayName) => Members = members;

    /// <summary>The mailboxes of the group; often empty ("undisclosed-recipients:;").</summary>
    public IReadOnlyList<MailboxAddress> Members { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{DisplayName}: {string.Join(", ", Members)};";
}

/// <summary>Helpers over address lists.</summary>
public static class AddressListExtensions
{
    /// <summary>Flattens groups into their member mailboxes.</summary>
    public static IEnumerable<MailboxAddress> Mailboxes(this IEnumerable<MailAddress> list)
    {
        foreach (MailAddress a in list)
        {
            if (a is MailboxAddress m)
            {
                yield return m;
            }
            else if (a is GroupAddress g)
            {
                foreach (MailboxAddress member in g.Members)
                {
                    yield return member;
                }
            }
        }
    }
}
