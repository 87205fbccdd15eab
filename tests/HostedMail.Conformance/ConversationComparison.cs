using System.Text;
using System.Text.RegularExpressions;

namespace HostedMail.Conformance;

/// <summary>One scripted conversation: the extensions it needs (from both servers) and its steps.</summary>
public sealed record ConversationScript(string Name, IReadOnlyList<string> Requires, IReadOnlyList<string> Steps);

/// <summary>
/// Replays a script on a fresh mailbox of each server, one command at a time, and compares the
/// normalised responses to every command. Placeholders: $USER, $PASS, $PLAIN (SASL PLAIN
/// initial response) and, per server, $UIDVALIDITY and $HIGHESTMODSEQ from its latest answers;
/// the step "IDLE" runs IDLE and DONE (RFC 2177).
/// </summary>
public sealed partial class ConversationComparison(ComparisonReport report)
{
    /// <summary>For the self-check: rewrites one line of our normalised answer (script, command, line).</summary>
    public Func<string, string, string, string>? CorruptOurs { get; init; }


    public async Task CompareAsync(ConversationScript script, Side ours, Side theirs)
    {
        await using var ourClient = await RawImapClient.ConnectAsync(ours.Port);
        await using var theirClient = await RawImapClient.ConnectAsync(theirs.Port);
        report.Compare("CONVERSATION", "<greeting>", script.Name, NormaliseLine(ourClient.Greeting), NormaliseLine(theirClient.Greeting));
        foreach (var step in script.Steps)
        {
            var ourAnswer = await RunAsync(ourClient, step, ours);
            var theirAnswer = await RunAsync(theirClient, step, theirs);
            if (CorruptOurs is not null)
            {
                ourAnswer = [.. ourAnswer.Select(line => CorruptOurs(script.Name, step, line))];
            }

            // One comparison per kind of response (tagged, LIST of one name, FETCH of one message,
            // each response code...), so a difference names what differs and allow-list entries
            // stay narrow.
            var kinds = ourAnswer.Select(KindOf).Union(theirAnswer.Select(KindOf)).ToList();
            foreach (var kind in kinds)
            {
                report.Compare("CONVERSATION", $"{Describe(step)} -> {kind}", script.Name,
                    Join(ourAnswer.Where(l => KindOf(l) == kind)), Join(theirAnswer.Where(l => KindOf(l) == kind)));
            }

            report.Commands++;
        }
    }

    private static string Join(IEnumerable<string> lines) => lines.Any() ? string.Join(" | ", lines) : "<none>";

    /// <summary>What a normalised response line is about: "tagged", "LIST Sent", "FETCH 3", "OK [UIDNEXT]", "EXISTS"...</summary>
    public static string KindOf(string line)
    {
        if (line.StartsWith("TAGGED", StringComparison.Ordinal) || line == "<connection closed>")
        {
            return "tagged";
        }

        if (line == "+")
        {
            return "continuation";
        }

        var words = line.Split(' ');
        if (words.Length >= 3 && words[0] == "*" && int.TryParse(words[1], out _))
        {
            // "* 3 FETCH (...)" is about message 3; "* 5 EXISTS", "* 2 EXPUNGE" about the kind.
            return words[2].Equals("FETCH", StringComparison.OrdinalIgnoreCase) ? "FETCH " + words[1] : words[2].ToUpperInvariant();
        }

        if (words.Length >= 2 && words[1] is "LIST" or "LSUB")
        {
            // The name is the last word unless it is followed by extended data (CHILDINFO, STATUS).
            var close = line.IndexOf(')', StringComparison.Ordinal);
            var afterAttributes = close > 0 ? line[(close + 1)..].Trim() : string.Empty;
            var name = afterAttributes.Split(' ', 3) is [_, var n, ..] ? n : afterAttributes;
            return words[1] + " " + name;
        }

        if (words.Length >= 3 && words[1] is "STATUS")
        {
            return "STATUS " + words[2];
        }

        if (words.Length >= 3 && words[1] is "OK" or "NO" or "BAD" && words[2].StartsWith('['))
        {
            return $"{words[1]} {words[2].TrimEnd(']')}]";
        }

        return words.Length >= 2 ? string.Join(' ', words.Take(2)) : line;
    }

    /// <summary>A step as it is named in differences: literals replaced by their size.</summary>
    public static string Describe(string step) => LiteralPattern().Replace(step, m => $"{{{m.Groups[1].Value}}}...");

    private static async Task<List<string>> RunAsync(RawImapClient client, string step, Side side)
    {
        var command = step
            .Replace("$USER", side.User, StringComparison.Ordinal)
            .Replace("$PASS", side.Password, StringComparison.Ordinal)
            .Replace("$PLAIN", Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + side.User + "\0" + side.Password)), StringComparison.Ordinal)
            .Replace("$UIDVALIDITY", side.UidValidity, StringComparison.Ordinal)
            .Replace("$HIGHESTMODSEQ", side.HighestModSeq, StringComparison.Ordinal);
        ImapReply reply;
        try
        {
            reply = command == "IDLE" ? await client.IdleAsync() : await client.CommandAsync(command);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return ["<connection closed>"];
        }

        var selects = command.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || command.StartsWith("EXAMINE", StringComparison.OrdinalIgnoreCase);
        var lines = new List<string>();
        foreach (var line in reply.Untagged)
        {
            Capture(line, side);
            var normalised = NormaliseLine(line);
            // O1 (no \Recent) is compared by the message comparison; here RECENT counts are
            // normalised away so the other differences of a command stay visible. SELECT and
            // EXAMINE must still send RECENT (RFC 3501 section 6.3.1).
            if (normalised == "* RECENT" && !selects)
            {
                continue;
            }

            // An untagged CAPABILITY after authentication is optional (RFC 3501 section 6.2.2) and each server's own.
            if (normalised == "* CAPABILITY" && !command.StartsWith("CAPABILITY", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            lines.Add(normalised);
        }

        Capture(reply.Tagged, side);
        lines.Add("TAGGED " + NormaliseLine(reply.Tagged[(reply.Tag.Length + 1)..]));
        return lines;
    }

    private static void Capture(string line, Side side)
    {
        if (UidValidityPattern().Match(line) is { Success: true } validity)
        {
            side.UidValidity = validity.Groups[1].Value;
        }

        if (HighestModSeqPattern().Match(line) is { Success: true } modseq)
        {
            side.HighestModSeq = modseq.Groups[1].Value;
        }
    }

    /// <summary>
    /// A response line without what legitimately differs: human-readable text after a status
    /// (RFC 3501 section 7.1), capability lists (each server's own), server identity (ID),
    /// UIDVALIDITY and MODSEQ values (RFC 7162: only their order is meaningful), flag and
    /// attribute order (sets).
    /// </summary>
    public static string NormaliseLine(string line)
    {
        if (line.StartsWith('+'))
        {
            return "+";
        }

        line = UidValidityValuePattern().Replace(line, "$1<uidvalidity>");
        line = ModSeqPattern().Replace(line, "$1<modseq>");
        var statusMatch = StatusPattern().Match(line);
        if (statusMatch.Success)
        {
            // "* OK [CODE args] text", "OK [CODE] text", "* BYE text": keep status and code.
            var prefix = statusMatch.Groups[1].Value;
            var status = statusMatch.Groups[2].Value.ToUpperInvariant();
            var rest = line[statusMatch.Length..];
            if (rest.StartsWith('['))
            {
                var end = rest.IndexOf(']', StringComparison.Ordinal);
                var code = end > 0 ? rest[1..end] : rest[1..];
                var codeName = code.Split(' ')[0].ToUpperInvariant();
                if (codeName == "CAPABILITY")
                {
                    // Optional in greetings and LOGIN answers (RFC 3501 section 7.1), and each server's own.
                    return prefix + status;
                }

                if (codeName == "PERMANENTFLAGS")
                {
                    code = "PERMANENTFLAGS " + SortedList(code[codeName.Length..].Trim());
                }

                return $"{prefix}{status} [{(code.Contains(' ', StringComparison.Ordinal) ? codeName + code[codeName.Length..] : codeName)}]";
            }

            return prefix + status;
        }

        var upper = line.ToUpperInvariant();
        if (RecentPattern().IsMatch(line))
        {
            return "* RECENT";
        }

        if (upper.StartsWith("* CAPABILITY", StringComparison.Ordinal))
        {
            return "* CAPABILITY";
        }

        if (upper.StartsWith("* ID ", StringComparison.Ordinal))
        {
            return "* ID";
        }

        if (upper.StartsWith("* FLAGS ", StringComparison.Ordinal))
        {
            return "* FLAGS " + SortedList(line[8..]);
        }

        if (upper.StartsWith("* LIST ", StringComparison.Ordinal) || upper.StartsWith("* LSUB ", StringComparison.Ordinal))
        {
            var open = line.IndexOf('(', StringComparison.Ordinal);
            var close = line.IndexOf(')', StringComparison.Ordinal);
            if (open > 0 && close > open)
            {
                return line[..open] + SortedList(line[open..(close + 1)]) + line[(close + 1)..];
            }
        }

        if (FetchPattern().IsMatch(line))
        {
            var values = ImapData.ParseFetch(line, out var number);
            var items = values.OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => v.Key + " " + (v.Key == "FLAGS" ? SortedList(v.Value.Canonical().Replace("\\Recent", string.Empty, StringComparison.OrdinalIgnoreCase)) : v.Value.Canonical()));
            return $"* {number} FETCH ({string.Join(' ', items)})";
        }

        return line;
    }

    private static string SortedList(string list)
    {
        var inner = list.Trim().TrimStart('(').TrimEnd(')');
        return "(" + string.Join(' ', inner.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.OrdinalIgnoreCase)) + ")";
    }

    [GeneratedRegex(@"\{(\d+)\+?\}\r\n.*", RegexOptions.Singleline)]
    private static partial Regex LiteralPattern();

    [GeneratedRegex(@"UIDVALIDITY (\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex UidValidityPattern();

    [GeneratedRegex(@"HIGHESTMODSEQ (\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex HighestModSeqPattern();

    // UIDVALIDITY in codes and STATUS, the first number of APPENDUID/COPYUID (RFC 4315 section 3).
    [GeneratedRegex(@"((?:UIDVALIDITY|APPENDUID|COPYUID) )(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex UidValidityValuePattern();

    // MODSEQ (n), HIGHESTMODSEQ n, NOMODSEQ stays, MODIFIED keeps its set.
    [GeneratedRegex(@"((?:HIGHESTMODSEQ |MODSEQ \(|MODSEQ ))\d+", RegexOptions.IgnoreCase)]
    private static partial Regex ModSeqPattern();

    [GeneratedRegex(@"^(\* |)(OK|NO|BAD|BYE|PREAUTH)\b ?", RegexOptions.IgnoreCase)]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"^\* \d+ RECENT$", RegexOptions.IgnoreCase)]
    private static partial Regex RecentPattern();

    [GeneratedRegex(@"^\* \d+ FETCH \(", RegexOptions.IgnoreCase)]
    private static partial Regex FetchPattern();
}

/// <summary>One server's side of a conversation: where it listens, who logs in, and what it said last.</summary>
public sealed class Side(int port, string user, string password)
{
    public int Port { get; } = port;

    public string User { get; } = user;

    public string Password { get; } = password;

    public string UidValidity { get; set; } = "1";

    public string HighestModSeq { get; set; } = "1";
}
