using System.Globalization;
using System.Text;

namespace HostedMail.Imap.Protocol;

/// <summary>
/// An IMAP sequence-set (RFC 9051 section 9): inclusive ranges where <see cref="Star"/> stands for
/// "*" (the largest number in use), or "$" (RFC 5182 SEARCHRES: the saved search result).
/// </summary>
// "*" is its own value, never a number: UID 4294967295 written out is that UID, and
// "UID SEARCH UID 500:4294967295" above the highest UID matches nothing, while "500:*" matches the
// highest UID (RFC 9051 section 6.4.8: n:* includes * whatever n is).
internal sealed record SequenceSet(IReadOnlyList<(long Start, long End)> Ranges, bool IsSaved = false)
{
    public const long Star = -1;

    public static SequenceSet Saved { get; } = new([], true);

    /// <summary>Ranges with "*" replaced by <paramref name="largest"/> and each range ordered low to high.</summary>
    public IEnumerable<(long Low, long High)> Resolve(long largest)
    {
        foreach (var (start, end) in Ranges)
        {
            var a = start == Star ? largest : start;
            var b = end == Star ? largest : end;
            yield return a <= b ? (a, b) : (b, a);
        }
    }

    /// <summary>Formats ascending numbers compactly ("1:3,7,9:10"), as COPYUID and ESEARCH want.</summary>
    public static string Format(IEnumerable<long> numbers) => Join(numbers.Select(n => (n, n)));

    /// <summary>Formats ranges in any order, overlapping or not, as one ascending sequence set.</summary>
    public static string FormatRanges(IEnumerable<(long Low, long High)> ranges) => Join(ranges.OrderBy(r => r.Low));

    /// <summary>Ranges in ascending order of their low ends, adjacent and overlapping ones joined.</summary>
    private static string Join(IEnumerable<(long Low, long High)> ascending)
    {
        var sb = new StringBuilder();
        long start = -1, end = -1;
        foreach (var (low, high) in ascending)
        {
            if (start >= 0 && low <= end + 1)
            {
                end = Math.Max(end, high);
                continue;
            }

            if (start >= 0)
            {
                Append(sb, start, end);
            }

            (start, end) = (low, high);
        }

        if (start >= 0)
        {
            Append(sb, start, end);
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, long start, long end)
    {
        if (sb.Length > 0)
        {
            sb.Append(',');
        }

        sb.Append(start.ToString(CultureInfo.InvariantCulture));
        if (end != start)
        {
            sb.Append(':').Append(end.ToString(CultureInfo.InvariantCulture));
        }
    }
}
