using System.Text;

namespace HostedMail.Imap.Protocol;

/// <summary>
/// The i;unicode-casemap collation (RFC 5051) as a sort key: SORT and THREAD must collate strings
/// as I18NLEVEL=1 requires (RFC 5256 section 1, RFC 5255), whose default comparator is this
/// collation, so "François" sorts with "Franc..." and "Ünal" with "U..." instead of after every
/// ASCII letter.
/// </summary>
internal static class UnicodeCasemap
{
    /// <summary>
    /// Every character mapped to upper case (the simple titlecase mapping of RFC 5051 section 2 step
    /// 1 differs only for the four digraph letters), then decomposed (NFKD, step 2). Keys compare
    /// with <see cref="string.CompareOrdinal(string, string)"/>, the octet order of RFC 5051 step 3
    /// for every character outside the surrogate range.
    /// </summary>
    public static string Key(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        var upper = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            upper.Append(Rune.ToUpperInvariant(rune).ToString());
        }

        var text = upper.ToString();
        return text.IsNormalized(NormalizationForm.FormKD) ? text : text.Normalize(NormalizationForm.FormKD);
    }
}
