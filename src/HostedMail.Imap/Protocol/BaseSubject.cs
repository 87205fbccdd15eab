using System.Text;

namespace HostedMail.Imap.Protocol;

/// <summary>
/// RFC 5256 section 2.1 base subject extraction, for SORT SUBJECT and both THREAD algorithms:
/// the subject without reply/forward prefixes, [blob]s, "(fwd)" trailers and "[fwd: ...]" wrappers,
/// whitespace normalised. Also says whether anything reply- or forward-like was removed, which
/// THREAD=REFERENCES step 5 needs ("is a reply or forward").
/// </summary>
internal static class BaseSubject
{
    /// <summary>Extracts the base subject of an already RFC 2047-decoded subject (step 1's decoding is the caller's).</summary>
    public static (string Base, bool IsReplyOrForward) Extract(string? decodedSubject)
    {
        // (1) Tabs and continuations to space, runs of spaces to one.
        var s = Normalise(decodedSubject ?? string.Empty);
        var replyOrForward = false;
        while (true)
        {
            // (2) Trailing subj-trailer: "(fwd)" or WSP, repeatedly.
            while (true)
            {
                if (s.EndsWith(' '))
                {
                    s = s[..^1];
                }
                else if (s.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    s = s[..^5];
                    replyOrForward = true;
                }
                else
                {
                    break;
                }
            }

            // (3)-(5): leading subj-leader, and a leading subj-blob unless nothing would be left.
            while (true)
            {
                var before = s;
                s = RemoveLeader(s, ref replyOrForward);
                if (SubjBlobLength(s, 0) is var blob and > 0 && s.Length > blob)
                {
                    s = s[blob..];
                }

                if (s == before)
                {
                    break;
                }
            }

            // (6) "[fwd:" ... "]" wrapper: remove both and start again at (2).
            if (s.Length >= 6 && s.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && s.EndsWith(']'))
            {
                s = s[5..^1];
                replyOrForward = true;
                continue;
            }

            return (s, replyOrForward);
        }
    }

    /// <summary>The key SORT and THREAD compare: the base subject, case-folded (i;unicode-casemap, approximately).</summary>
    public static string Key(string? decodedSubject) => Extract(decodedSubject).Base.ToUpperInvariant();

    private static string Normalise(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var ch = c is '\t' or '\r' or '\n' ? ' ' : c;
            if (ch == ' ' && sb.Length > 0 && sb[^1] == ' ')
            {
                continue;
            }

            sb.Append(ch);
        }

        return sb.ToString();
    }

    /// <summary>subj-leader = (*subj-blob subj-refwd) / WSP, once.</summary>
    private static string RemoveLeader(string s, ref bool replyOrForward)
    {
        if (s.StartsWith(' '))
        {
            return s[1..];
        }

        var i = 0;
        while (SubjBlobLength(s, i) is var blob and > 0)
        {
            i += blob;
        }

        // subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
        int j;
        if (Matches(s, i, "re"))
        {
            j = i + 2;
        }
        else if (Matches(s, i, "fwd"))
        {
            j = i + 3;
        }
        else if (Matches(s, i, "fw"))
        {
            j = i + 2;
        }
        else
        {
            return s;
        }

        while (j < s.Length && s[j] == ' ')
        {
            j++;
        }

        j += SubjBlobLength(s, j);
        if (j < s.Length && s[j] == ':')
        {
            replyOrForward = true;
            return s[(j + 1)..];
        }

        return s;
    }

    /// <summary>Length of a subj-blob ("[" *BLOBCHAR "]" *WSP) at <paramref name="at"/>, or 0.</summary>
    private static int SubjBlobLength(string s, int at)
    {
        if (at >= s.Length || s[at] != '[')
        {
            return 0;
        }

        var close = s.IndexOfAny(['[', ']'], at + 1);
        if (close < 0 || s[close] != ']')
        {
            return 0;
        }

        var end = close + 1;
        while (end < s.Length && s[end] == ' ')
        {
            end++;
        }

        return end - at;
    }

    private static bool Matches(string s, int at, string word) =>
        at + word.Length <= s.Length && string.Compare(s, at, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;
}
