using System.Globalization;

namespace HostedMail.Conformance;

/// <summary>
/// Compares what two servers answer about the same messages in the same selected folder (appended
/// in the same order, so sequence numbers correspond): every FETCH item per message and part, and
/// SEARCH/SORT/THREAD results as sequence numbers. Only what legitimately differs is normalised:
/// INTERNALDATE to its instant (RFC 3501 section 2.3.3 requires the date and time, not the zone the
/// client gave) and nothing else in FETCH data; response texts are never compared here.
/// </summary>
public sealed class MessageComparison(RawImapClient ours, RawImapClient theirs, ComparisonReport report) : IAsyncDisposable
{
    private readonly List<RawImapClient> _reopened = [];
    private RawImapClient _ours = ours;
    private RawImapClient _theirs = theirs;

    /// <summary>Closes the connections this comparison opened itself (the caller owns the first two).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _reopened)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>
    /// Reconnects (and re-opens the folder) after a server dropped the connection mid-command, so
    /// the drop is reported as a difference of that message and the comparison goes on.
    /// </summary>
    public Func<Task<RawImapClient>>? ReopenOurs { get; init; }

    public Func<Task<RawImapClient>>? ReopenTheirs { get; init; }

    /// <summary>
    /// For the harness self-check: rewrites one side's normalised value (category, item, where, value)
    /// before comparison, standing in for a server regression.
    /// </summary>
    public Func<string, string, string, string, string>? CorruptOurs { get; init; }

    /// <summary>Items fetched for every message (RFC 3501 section 6.4.5; .PEEK so EXAMINE-like reads change nothing).</summary>
    public static IReadOnlyList<string> MessageItems { get; } =
    [
        "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY",
        "BODY.PEEK[]", "BODY.PEEK[HEADER]", "BODY.PEEK[TEXT]", "BODY.PEEK[]<0.100>", "BODY.PEEK[TEXT]<10.50>",
        "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)]", "BODY.PEEK[HEADER.FIELDS.NOT (FROM SUBJECT DATE)]",
        "RFC822.HEADER", "BINARY.SIZE[]", "BINARY.PEEK[]",
    ];

    /// <summary>Compares every item of message <paramref name="sequence"/>; <paramref name="name"/> names it in differences.</summary>
    public async Task CompareMessageAsync(int sequence, string name)
    {
        var ourStructure = await GuardedAsync(true, () => FetchOneAsync(_ours, sequence, "BODYSTRUCTURE"), (Status: "<connection closed>", Value: (ImapValue?)null));
        var theirStructure = await GuardedAsync(false, () => FetchOneAsync(_theirs, sequence, "BODYSTRUCTURE"), (Status: "<connection closed>", Value: (ImapValue?)null));
        var items = new List<string>(MessageItems);
        foreach (var part in MimeParts.Union(ourStructure.Value, theirStructure.Value))
        {
            items.Add($"BODY.PEEK[{part.Path}]");
            items.Add($"BODY.PEEK[{part.Path}.MIME]");
            if (part.IsMessage)
            {
                // RFC 3501 section 6.4.5: HEADER and TEXT apply to message/rfc822 parts.
                items.Add($"BODY.PEEK[{part.Path}.HEADER]");
                items.Add($"BODY.PEEK[{part.Path}.TEXT]");
            }

            if (!part.IsMultipart && !part.IsMessage)
            {
                // RFC 3516 section 4.2: BINARY of a leaf part, decoded from its transfer encoding.
                // (A message/rfc822 part is not decoded any more than the whole message is: D4.)
                items.Add($"BINARY.PEEK[{part.Path}]");
                items.Add($"BINARY.SIZE[{part.Path}]");
            }
        }

        var closed = new Dictionary<string, string>();
        var ourValues = await GuardedAsync(true, () => FetchManyAsync(_ours, sequence, items), closed);
        var theirValues = await GuardedAsync(false, () => FetchManyAsync(_theirs, sequence, items), closed);
        var ourDefault = ReferenceEquals(ourValues, closed) ? "<connection closed>" : "<missing>";
        var theirDefault = ReferenceEquals(theirValues, closed) ? "<connection closed>" : "<missing>";
        foreach (var item in items)
        {
            var key = ResponseKey(item);
            var ourValue = Normalise(key, ourValues.GetValueOrDefault(key, ourDefault));
            var theirValue = Normalise(key, theirValues.GetValueOrDefault(key, theirDefault));
            if (CorruptOurs is not null)
            {
                ourValue = CorruptOurs("FETCH", key, name, ourValue);
            }

            if (key is "BODYSTRUCTURE" or "BODY" or "ENVELOPE" && ourValue.StartsWith('(') && theirValue.StartsWith('('))
            {
                // Field by field, so each difference names the part and field it is in and one
                // allow-list entry never hides another field's regression.
                var ourFields = StructureFields.Flatten(key, Parse(ourValue));
                var theirFields = StructureFields.Flatten(key, Parse(theirValue));
                foreach (var field in ourFields.Keys.Union(theirFields.Keys))
                {
                    report.Compare("FETCH", field, name, ourFields.GetValueOrDefault(field, "<missing>"), theirFields.GetValueOrDefault(field, "<missing>"));
                }
            }
            else
            {
                report.Compare("FETCH", key, name, ourValue, theirValue);
            }

            report.Compare("FETCH", key + " 8BIT-QUOTED", name, ourValues.GetValueOrDefault(key + " 8BIT-QUOTED", "none"), theirValues.GetValueOrDefault(key + " 8BIT-QUOTED", "none"));
            report.FetchItems++;
        }
    }

    /// <summary>Runs one SEARCH, SORT or THREAD command on both and compares its data as sequence numbers.</summary>
    public async Task CompareQueryAsync(string category, string command, string where = "INBOX")
    {
        var wire = WithLiterals(command);
        var ourAnswer = await GuardedAsync(true, () => QueryAsync(_ours, wire), "<connection closed>");
        var theirAnswer = await GuardedAsync(false, () => QueryAsync(_theirs, wire), "<connection closed>");
        if (CorruptOurs is not null)
        {
            ourAnswer = CorruptOurs(category, command, where, ourAnswer);
        }

        report.Compare(category, command, where, ourAnswer, theirAnswer);
        report.Queries++;
    }

    private async Task<T> GuardedAsync<T>(bool isOurs, Func<Task<T>> action, T whenClosed)
    {
        var reopen = isOurs ? ReopenOurs : ReopenTheirs;
        try
        {
            return await action();
        }
        catch (Exception ex) when (reopen is not null && ex is EndOfStreamException or IOException)
        {
            var client = await reopen();
            _reopened.Add(client);
            if (isOurs)
            {
                _ours = client;
            }
            else
            {
                _theirs = client;
            }

            return whenClosed;
        }
    }

    /// <summary>
    /// The command as sent: every argument holding non-ASCII characters becomes a synchronising
    /// literal of its UTF-8 octets (RFC 3501 section 4.3: 8-bit text travels only in literals).
    /// </summary>
    public static string WithLiterals(string command)
    {
        var output = new System.Text.StringBuilder();
        var i = 0;
        while (i < command.Length)
        {
            if (command[i] is ' ' or '(' or ')')
            {
                output.Append(command[i++]);
                continue;
            }

            var start = i;
            string token;
            if (command[i] == '"')
            {
                i++;
                while (i < command.Length && command[i] != '"')
                {
                    i += command[i] == '\\' ? 2 : 1;
                }

                i++;
                token = command[(start + 1)..(i - 1)].Replace("\\\"", "\"", StringComparison.Ordinal);
            }
            else
            {
                while (i < command.Length && command[i] is not (' ' or '(' or ')'))
                {
                    i++;
                }

                token = command[start..i];
            }

            if (token.Any(c => c > 0x7e))
            {
                var octets = System.Text.Encoding.UTF8.GetBytes(token);
                output.Append('{').Append(octets.Length.ToString(CultureInfo.InvariantCulture)).Append("}\r\n").Append(RawImapClient.Octets.GetString(octets));
            }
            else
            {
                output.Append(command, start, i - start);
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// The data of a query's untagged responses, normalised: SEARCH hits as a sorted set (RFC 3501
    /// section 7.2.5 gives no order), SORT in server order (RFC 5256 section 4 defines it), THREAD
    /// as its canonical tree. A failed command is its status and response code.
    /// </summary>
    private static async Task<string> QueryAsync(RawImapClient client, string command)
    {
        var reply = await client.CommandAsync(command);
        if (!reply.IsOk)
        {
            return StatusOf(reply);
        }

        var verb = command.StartsWith("UID ", StringComparison.OrdinalIgnoreCase) ? command.Split(' ')[1] : command.Split(' ')[0];
        verb = verb.ToUpperInvariant();
        var data = reply.Untagged.Where(u => u.StartsWith($"* {verb}", StringComparison.OrdinalIgnoreCase)).ToList();
        if (data.Count != 1)
        {
            return $"<{data.Count} {verb} responses> " + string.Join(" | ", data);
        }

        var values = ImapData.ParseAll(data[0], 2 + verb.Length);
        return verb switch
        {
            "SEARCH" => string.Join(' ', values.Select(v => int.Parse(((ImapAtom)v).Text, CultureInfo.InvariantCulture)).Order()),
            _ => string.Join(' ', values.Select(v => v.Canonical())),
        };
    }

    /// <summary>Tagged status and response code without the human-readable text (RFC 3501 section 7.1).</summary>
    public static string StatusOf(ImapReply reply)
    {
        var rest = reply.Tagged[(reply.Tag.Length + 1)..];
        var status = rest.Split(' ', 2)[0].ToUpperInvariant();
        var afterStatus = rest.Length > status.Length ? rest[(status.Length + 1)..] : string.Empty;
        if (afterStatus.StartsWith('['))
        {
            var end = afterStatus.IndexOf(']', StringComparison.Ordinal);
            var code = end > 0 ? afterStatus[1..end] : afterStatus;
            return $"{status} [{code.Split(' ')[0].ToUpperInvariant()}]";
        }

        return status;
    }

    private static string Normalise(string key, string value)
    {
        if (key == "FLAGS" && value.StartsWith('('))
        {
            // A flag list is a set (RFC 3501 section 2.3.2); its order carries nothing.
            return "(" + string.Join(' ', value.Trim('(', ')').Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.OrdinalIgnoreCase)) + ")";
        }

        if (key == "INTERNALDATE" && value.Length > 2 &&
            DateTimeOffset.TryParseExact(value.Trim('"'), "d-MMM-yyyy HH:mm:ss zzzz", CultureInfo.InvariantCulture, DateTimeStyles.AllowLeadingWhite, out var date))
        {
            return date.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        }

        return value;
    }

    private static ImapValue Parse(string canonical)
    {
        var position = 0;
        return ImapData.ParseValue(canonical, ref position);
    }

    /// <summary>The name a FETCH response gives a requested item: no .PEEK, a partial's origin only (RFC 3501 section 7.4.2).</summary>
    public static string ResponseKey(string item)
    {
        var key = ImapData.NormaliseKey(item);
        var open = key.LastIndexOf('<');
        if (open > 0 && key.EndsWith('>'))
        {
            var origin = key[(open + 1)..^1].Split('.')[0];
            key = key[..open] + "<" + origin + ">";
        }

        return key;
    }

    private static async Task<(string Status, ImapValue? Value)> FetchOneAsync(RawImapClient client, int sequence, string item)
    {
        var values = await FetchManyAsync(client, sequence, [item]);
        var text = values.GetValueOrDefault(ResponseKey(item));
        if (text is null || text.StartsWith('<'))
        {
            return (text ?? "<missing>", null);
        }

        var position = 0;
        return ("OK", ImapData.ParseValue(text, ref position));
    }

    /// <summary>
    /// Fetches all items in one command; when the server refuses it (one item can fail the whole
    /// FETCH, e.g. BINARY of an unknown encoding, RFC 3516 section 4.3), fetches item by item so
    /// each refusal is its own status value.
    /// </summary>
    private static async Task<Dictionary<string, string>> FetchManyAsync(RawImapClient client, int sequence, List<string> items)
    {
        var reply = await client.CommandAsync($"FETCH {sequence} ({string.Join(' ', items)})");
        if (reply.IsOk)
        {
            return Collect(reply, sequence);
        }

        if (items.Count == 1)
        {
            return new Dictionary<string, string> { [ResponseKey(items[0])] = "<" + StatusOf(reply) + ">" };
        }

        var result = new Dictionary<string, string>();
        foreach (var item in items)
        {
            foreach (var (key, value) in await FetchManyAsync(client, sequence, [item]))
            {
                result[key] = value;
            }
        }

        return result;
    }

    private static Dictionary<string, string> Collect(ImapReply reply, int sequence)
    {
        var result = new Dictionary<string, string>();
        foreach (var line in reply.Untagged)
        {
            if (!line.StartsWith("* ", StringComparison.Ordinal) || !line.Contains(" FETCH ", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = ImapData.ParseFetch(line, out var number);
            if (number != sequence)
            {
                continue;
            }

            foreach (var (key, value) in values)
            {
                result[key] = value.Canonical();
                // Raw 8-bit octets in a quoted string break IMAP4rev1 clients (RFC 3501 section 9,
                // QUOTED-CHAR is 7-bit); recorded as its own item so both sides are compared on it.
                result[key + " 8BIT-QUOTED"] = ImapData.Strings(value).Any(s => s.IsQuoted8Bit) ? "8-bit octets in a quoted string" : "none";
            }
        }

        return result;
    }
}

/// <summary>A body part of a BODYSTRUCTURE: its section path (RFC 3501 section 6.4.5) and kind.</summary>
public sealed record MimePart(string Path, bool IsMultipart, bool IsMessage)
{
    public static IEnumerable<MimePart> Enumerate(ImapValue? structure)
    {
        var parts = new List<MimePart>();
        if (structure is not ImapList body)
        {
            return parts;
        }

        if (IsMultipartBody(body))
        {
            Children(body, string.Empty, parts);
        }
        else
        {
            Visit(body, "1", parts);
        }

        return parts;
    }

    private static bool IsMultipartBody(ImapList body) => body.Items.Count > 0 && body.Items[0] is ImapList;

    private static void Children(ImapList multipart, string prefix, List<MimePart> parts)
    {
        var index = 0;
        foreach (var child in multipart.Items.TakeWhile(i => i is ImapList).Cast<ImapList>())
        {
            index++;
            Visit(child, prefix.Length == 0 ? index.ToString(CultureInfo.InvariantCulture) : $"{prefix}.{index}", parts);
        }
    }

    private static void Visit(ImapList body, string path, List<MimePart> parts)
    {
        if (IsMultipartBody(body))
        {
            parts.Add(new MimePart(path, true, false));
            Children(body, path, parts);
            return;
        }

        var isMessage = body.Items.Count > 8 && body.Items[0] is ImapString { Octets: var type } && type.Equals("message", StringComparison.OrdinalIgnoreCase) &&
            body.Items[1] is ImapString { Octets: var subtype } && subtype.Equals("rfc822", StringComparison.OrdinalIgnoreCase);
        parts.Add(new MimePart(path, false, isMessage));
        if (isMessage && body.Items[8] is ImapList embedded)
        {
            // RFC 3501 section 6.4.5: the parts of an encapsulated message are numbered below the
            // message/rfc822 part; a non-multipart encapsulated body is its part 1.
            if (IsMultipartBody(embedded))
            {
                Children(embedded, path, parts);
            }
            else
            {
                Visit(embedded, path + ".1", parts);
            }
        }
    }
}

/// <summary>Union of two BODYSTRUCTUREs' part paths, so a part one server misses is still fetched from both.</summary>
public static class MimeParts
{
    public static IReadOnlyList<MimePart> Union(ImapValue? ours, ImapValue? theirs)
    {
        var byPath = new Dictionary<string, MimePart>(StringComparer.Ordinal);
        foreach (var part in MimePart.Enumerate(theirs).Concat(MimePart.Enumerate(ours)))
        {
            if (byPath.TryGetValue(part.Path, out var known))
            {
                byPath[part.Path] = known with { IsMessage = known.IsMessage || part.IsMessage, IsMultipart = known.IsMultipart && part.IsMultipart };
            }
            else
            {
                byPath[part.Path] = part;
            }
        }

        return byPath.Values.ToList();
    }
}
