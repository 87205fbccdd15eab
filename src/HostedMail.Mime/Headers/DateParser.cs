using System.Globalization;

namespace HostedMail.Mime;

/// <summary>Parses RFC 5322 section 3.3 dates, including the obsolete forms of section 4.3 and common broken variants.</summary>
public static class DateParser
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>Parses a Date header value; returns null when no date can be recovered.</summary>
    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 500)
        {
            return null;
        }

        string text = HeaderLexer.StripComments(value);
        string[] tokens = text.Split([' ', '\t', ',', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        int day = -1, month = -1, year = -1, hour = -1, minute = -1, second = 0;
        TimeSpan? offset = null;
        bool hasZone = false;
        foreach (string raw in tokens)
        {
            string t = raw;
            // "05-Jan-2024" (IMAP style) and "2024-01-05" appear in broken mailers.
            if (t.Count(c => c == '-') == 2 && !t.StartsWith('-'))
            {
                string[] p = t.Split('-');
                if (p[0].Length == 4 && int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int y) &&
                    int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out int m) &&
                    int.TryParse(p[2].Split('T')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                {
                    year = y;
                    month = m;
                    day = d;
                    continue;
                }

                int mi = MonthIndex(p[1]);
                if (mi >= 0 && int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int d2) &&
                    int.TryParse(p[2], NumberStyles.None, CultureInfo.InvariantCulture, out int y2))
                {
                    day = d2;
                    month = mi + 1;
                    year = NormaliseYear(y2, p[2].Length);
                    continue;
                }
            }

            if (t.Contains(':', StringComparison.Ordinal) && hour < 0)
            {
                string[] hms = t.Split(':');
                if (hms.Length is 2 or 3 &&
                    int.TryParse(hms[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h) &&
                    int.TryParse(hms[1], NumberStyles.None, CultureInfo.InvariantCulture, out int mi2))
                {
                    hour = h;
                    minute = mi2;
                    if (hms.Length == 3)
                    {
                        string sec = hms[2];
                        int dot = sec.IndexOf('.', StringComparison.Ordinal);
                        if (dot >= 0)
                        {
                            sec = sec[..dot];
                        }

                        second = int.TryParse(sec, NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : 0;
                    }
                }

                continue;
            }

            if ((t[0] == '+' || t[0] == '-') && t.Length == 5 && int.TryParse(t.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int z))
            {
                int minutes = ((z / 100) * 60) + (z % 100);
                offset = TimeSpan.FromMinutes(t[0] == '-' ? -minutes : minutes);
                hasZone = true;
                continue;
            }

            if (hour >= 0 && (t[0] == '+' || t[0] == '-') && t.Length > 1 && char.IsAsciiDigit(t[1]))
            {
                // A malformed numeric zone ("+02:00"): a zone was meant but cannot be read; RFC 5322
                // section 4.3 takes an unreadable zone as -0000 (unknown), so the time is UTC.
                hasZone = true;
                continue;
            }

            if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                if (t.Length >= 4 || n > 31)
                {
                    year = NormaliseYear(n, t.Length);
                }
                else if (day < 0)
                {
                    day = n;
                }
                else if (year < 0)
                {
                    year = NormaliseYear(n, t.Length);
                }

                continue;
            }

            int monthIndex = MonthIndex(t);
            if (monthIndex >= 0 && month < 0)
            {
                month = monthIndex + 1;
                continue;
            }

            TimeSpan? named = NamedZone(t);
            if (named is not null && offset is null)
            {
                offset = named;
                hasZone = true;
            }
        }

        // RFC 5322 section 3.3: time = time-of-day zone; the zone is not optional (section 4.3 only
        // adds the obsolete names). Without one the instant is unknown by up to a day, so the field
        // cannot be parsed, and SORT, THREAD and SEARCH SENT* take the internal date instead (RFC
        // 5256 section 2.2). That covers asctime ("Tue Jun  3 10:00:00 2025"), ISO 8601 written as
        // one token ("2024-06-03T10:00:00Z") and "Thu, 01 Jan 1970 00:00:00".
        if (!hasZone)
        {
            return null;
        }

        if (day < 1 || month < 1 || month > 12 || year < 1 || year > 9999)
        {
            return null;
        }

        if (hour < 0)
        {
            hour = 0;
            minute = 0;
        }

        // RFC 5322 section 3.3: a leap second (60) is allowed; DateTime is not able to hold it.
        if (second == 60)
        {
            second = 59;
        }

        TimeSpan zone = offset ?? TimeSpan.Zero;
        if (zone.Duration() > TimeSpan.FromHours(14))
        {
            zone = TimeSpan.Zero;
        }

        if (hour > 23 || minute > 59 || second > 59 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        try
        {
            return new DateTimeOffset(year, month, day, hour, minute, second, zone);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Offsets that push the UTC instant outside DateTimeOffset's range (year 1 or 9999).
            return null;
        }
    }

    private static int NormaliseYear(int n, int digits)
    {
        // RFC 5322 section 4.3: two-digit years below 50 are 20xx, others 19xx; three-digit add 1900.
        if (digits <= 2)
        {
            return n < 50 ? 2000 + n : 1900 + n;
        }

        return digits == 3 ? 1900 + n : n;
    }

    private static int MonthIndex(string t)
    {
        if (t.Length < 3)
        {
            return -1;
        }

        for (int i = 0; i < Months.Length; i++)
        {
            if (t.AsSpan(0, 3).Equals(Months[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static TimeSpan? NamedZone(string t)
    {
        // RFC 5322 section 4.3 obs-zone.
        switch (t.ToUpperInvariant())
        {
            case "UT":
            case "UTC":
            case "GMT":
            case "Z":
                return TimeSpan.Zero;
            case "EDT":
                return TimeSpan.FromHours(-4);
            case "EST":
            case "CDT":
                return TimeSpan.FromHours(-5);
            case "CST":
            case "MDT":
                return TimeSpan.FromHours(-6);
            case "MST":
            case "PDT":
                return TimeSpan.FromHours(-7);
            case "PST":
                return TimeSpan.FromHours(-8);
            default:
                // Military zones are unreliable; RFC 5322 says to treat them as -0000.
                return t.Length == 1 && char.IsAsciiLetter(t[0]) ? TimeSpan.Zero : null;
        }
    }

    /// <summary>Formats a date as RFC 5322 section 3.3 date-time, e.g. "Sun, 22 Nov 2026 10:00:00 +0000".</summary>
    public static string Format(DateTimeOffset date)
    {
        TimeSpan off = date.Offset;
        char sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return date.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign + off.Hours.ToString("00", CultureInfo.InvariantCulture) + off.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }
}
