using System.Globalization;
using System.Text.RegularExpressions;

namespace HostedMail.Conformance;

/// <summary>
/// Every known difference from Dovecot, mirroring docs/imap-conformance.md entry for entry (a test
/// checks that each entry's id is in the document). Deliberate entries cite the RFC that makes
/// HostedMail right; open entries are our bugs, listed only so the suite stays green while they
/// are fixed, and kept apart. Items and places are globs ('*'); keep them as narrow as the
/// difference, so an entry never hides a different regression.
/// </summary>
public static class AllowList
{
    /// <summary>D34: the corpus messages whose subject we read differently from Dovecot on purpose.</summary>
    private static readonly string[] ReadAsWritten = ["19", "631", "70", "580", "833", "986"];

    /// <summary>Differences where Dovecot strays from the RFC or the RFC allows both answers.</summary>
    public static IReadOnlyList<AllowedDifference> Deliberate { get; } =
    [
        new(AllowKind.Deliberate, "FETCH", "BODYSTRUCTURE[*].language", "*",
            "D2 one Content-Language tag: RFC 3501 section 9 body-fld-lang = nstring / \"(\" string *(SP string) \")\"; a single string and a one-element list are equal.")
        { When = d => d.Theirs == "(" + d.Ours + ")" },
        new(AllowKind.Deliberate, "FETCH", "*", "*",
            "D3 the CRLF before a boundary delimiter belongs to the delimiter (RFC 2046 section 5.1.1), so a part ending in a nested close-delimiter ends without it; Dovecot adds the CRLF to the part (size +2).")
        { When = d => EndsWithExtraCrlf(d) },
        new(AllowKind.Deliberate, "FETCH", "BINARY*[]", "*",
            "D4 BINARY[] of the whole message removes the Content-Transfer-Encoding of the message itself (RFC 9051 section 7.5.2, RFC 3516 section 4.2), which is 7bit/absent: the octets are returned as stored. Dovecot decodes every part and rewrites their CTE headers, or fails with UNKNOWN-CTE if one part is unknown."),
        new(AllowKind.Deliberate, "FETCH", "BINARY.SIZE[*]", "binary-parts",
            "D5 RFC 3516 section 4.3: UNKNOWN-CTE is for the part whose encoding is unknown; parts 1 (quoted-printable) and 2 (base64) decode. Dovecot refuses BINARY.SIZE of every part once one part of the message is unknown.")
        { Theirs = "<NO [UNKNOWN-CTE]>" },
        new(AllowKind.Deliberate, "FETCH", "*ENVELOPE*subject", "*",
            "D6 the ENVELOPE subject is the Subject field as sent, unfolded only (RFC 3501 section 7.4.2, RFC 5322 section 2.2.3: unfolding removes CRLF, keeps the WSP); Dovecot collapses runs of spaces and turns tabs into spaces.")
        { When = d => Regex.Replace(d.Ours, @"( |\\x09)+", " ") == d.Theirs },
        new(AllowKind.Deliberate, "SEARCH", "SEARCH SUBJECT \"weekly sync\"", "*",
            "D7 RFC 3501 section 6.4.4: a string key matches when it is a substring of the field; \"Weekly  sync\" (two spaces) does not contain \"weekly sync\". Dovecot collapses whitespace."),
        new(AllowKind.Deliberate, "SEARCH", "SEARCH SUBJECT \"not base64\"", "*",
            "D8 \"=?UTF-8?B?not base64!?=\" is not an encoded-word (RFC 2047 section 2: no spaces inside), so it is literal text and the substring is there. Dovecot decodes it anyway."),
        new(AllowKind.Deliberate, "SORT", "* (*SUBJECT*) *", "INBOX",
            "D8 (SORT) the same literal \"=?UTF-8?B?not base64!?=\" subject (built-in message 36, bad-encoded-word) sorts by its literal text, Dovecot by its decoding attempt; only that message's place differs.")
        { When = d => WithoutMessage(d.Ours, "36") == WithoutMessage(d.Theirs, "36") },
        new(AllowKind.Deliberate, "SORT", "* (*SUBJECT*) *", "Corpus",
            "D34 corpus subjects read as a reader reads them: 19 and 631 (\"=?utf-8?B?@@@not base64@@@?=\" has spaces, so it is not an encoded-word, RFC 2047 section 2, D8's rule) and 70/580 (\"=?x-unknown-charset?Q?abc?=\", a charset we do not know: kept as written, RFC 2047 section 6.2) sort by their literal text, and 833/986 (adjacent encoded-words that split one UTF-8 character, decoded together as MimeKit and Thunderbird do) by the decoded text; Dovecot decodes the first three anyway and each word of the last two alone (U+FFFD). Only these messages' places differ.")
        { When = d => WithoutMessages(d.Ours, ReadAsWritten) == WithoutMessages(d.Theirs, ReadAsWritten) },
        new(AllowKind.Deliberate, "THREAD", "THREAD *", "Corpus",
            "D34 the same subjects group differently in THREAD ORDEREDSUBJECT and in step 5 of THREAD REFERENCES (RFC 5256 section 3: threads with the same base subject are merged): 833 and 986 join the thread of their decoded subject, 19, 70 and 580 keep their literal one. Only these messages' places differ.")
        { When = d => WithoutThreadMembers(d.Ours, ReadAsWritten) == WithoutThreadMembers(d.Theirs, ReadAsWritten) },
        new(AllowKind.Deliberate, "FETCH", "BINARY.SIZE[*]", "*",
            "D35 BINARY.SIZE is the size of the decoded section (RFC 3516 section 4.2, RFC 9051 section 7.5.2 BINARY.SIZE), which is the length of the BINARY[n] data both servers return alike; Dovecot's BINARY.SIZE of some base64 attachments is smaller than its own BINARY[n].")
        { When = d => (d.Where.EndsWith("-apple-mail-attachments", StringComparison.Ordinal) || d.Where.EndsWith("-every-attachment-type", StringComparison.Ordinal)) && long.TryParse(d.Ours, CultureInfo.InvariantCulture, out var ours) && long.TryParse(d.Theirs, CultureInfo.InvariantCulture, out var theirs) && ours > theirs },
        new(AllowKind.Deliberate, "FETCH", "BODY*[*].encoding", "*-unknown-transfer-encoding",
            "D36 \"Content-Transfer-Encoding: binary; foo=bar\": body-fld-enc is the mechanism token the sender wrote, \"binary\" (RFC 2045 section 6.1: encoding := mechanism; what follows is not part of the grammar), the encoding the part is read with; Dovecot discards the field and reports the 7bit default.")
        { Ours = "\"binary\"", Theirs = "\"7bit\"" },
        new(AllowKind.Deliberate, "FETCH", "*", "0712-bare-lf",
            "D27 (bare LF) corpus message 0712 is a boundary-quirks message written with bare LFs (the corpus's bare-lf shape wraps another shape): the same delimiter rule as D27 (RFC 2046 section 5.1.1), so every value below the outer multipart differs for the same reason."),
        new(AllowKind.Deliberate, "SEARCH", "SEARCH SENT*", "*",
            "D9 a message without a parseable Date field takes its INTERNALDATE as sent date (the rule of RFC 5256 section 2.2, used for SEARCH as for SORT); Dovecot takes 1 Jan 1970, so such messages are always SENTBEFORE.")
        { When = d => d.Item != "SEARCH SENTON 2-Mar-2024" },
        new(AllowKind.Deliberate, "SEARCH", "SEARCH CHARSET ISO-8859-1 *", "*",
            "D10 RFC 3501 section 6.4.4: US-ASCII and UTF-8 MUST be supported, other charsets MAY; NO [BADCHARSET] is the defined answer.")
        { Ours = "NO [BADCHARSET]" },
        new(AllowKind.Deliberate, "CONVERSATION", "* -> tagged", "*",
            "D11 both refuse; ours adds an RFC 5530 response code (NONEXISTENT, CANNOT, ALREADYEXISTS, a BADCHARSET list) where Dovecot sends none or another (RFC 5530 codes are advisory; RENAME Sent Drafts: Dovecot says NONEXISTENT, the target exists).")
        { Ours = "TAGGED NO [*]", Theirs = "TAGGED NO*" },
        new(AllowKind.Deliberate, "CONVERSATION", "*", "*",
            "D12 CREATE creates missing superior names (RFC 3501 section 6.3.3: the server SHOULD create them), so Projects and Projects/2024 are real folders; Dovecot lists them \\Noselect/\\NonExistent and refuses SUBSCRIBE/LIST-STATUS on them (so they are in our LSUB after SUBSCRIBE, not in Dovecot's).")
        { When = IsIntermediateFolder },
        new(AllowKind.Deliberate, "CONVERSATION", "* -> LIST *", "*",
            "D13 LIST returns \\HasChildren/\\HasNoChildren and special-use attributes even when not asked for (RFC 5258 section 4: a server MAY return CHILDREN information without the option; RFC 6154 section 2 attributes are information a client may ignore).")
        { When = HasOnlyExtraListAttributes },
        new(AllowKind.Deliberate, "CONVERSATION", "*", "*",
            "D14 FLAGS and PERMANENTFLAGS list the system flags, \\* and the keywords this session has been shown, and a keyword is announced by an untagged FLAGS (and PERMANENTFLAGS) right before the first FETCH that shows it: RFC 3501 section 7.2.6 / RFC 9051 section 7.3.5 (FLAGS lists the flags applicable in the folder, \"at a minimum, the system-defined flags\"; a client may drop a keyword FLAGS never listed) and 7.1 (\\* in PERMANENTFLAGS). Dovecot lists every keyword of the folder at SELECT and re-sends both whenever a keyword is first used, even by SEARCH KEYWORD or APPEND, so it announces at another command than we do.")
        { When = d => d.Item.EndsWith("-> * FLAGS", StringComparison.Ordinal) || d.Item.EndsWith("-> OK [PERMANENTFLAGS]", StringComparison.Ordinal) ? OnlyKeywordsMissing(d) || AnnouncedBeforeFetch(d) : false },
        new(AllowKind.Deliberate, "CONVERSATION", "*-> OK [HIGHESTMODSEQ]", "*",
            "D15 SELECT/EXAMINE always report HIGHESTMODSEQ: RFC 7162 section 3.1.2.1 (a server with persistent mod-sequences MUST send it on every successful SELECT/EXAMINE); Dovecot only after CONDSTORE is enabled.")
        { Theirs = "<none>" },
        new(AllowKind.Deliberate, "CONVERSATION", "STATUS * -> tagged", "*",
            "D16 STATUS of the selected folder is legal (RFC 3501 section 6.3.10 only advises against it); Dovecot adds the advisory [CLIENTBUG].")
        { Ours = "TAGGED OK", Theirs = "TAGGED OK [CLIENTBUG]" },
        new(AllowKind.Deliberate, "CONVERSATION", "*", "*",
            "D17 a folder opened with EXAMINE is read-only (RFC 3501 section 6.3.2): STORE, EXPUNGE and MOVE are refused with NO [READ-ONLY] (RFC 5530); Dovecot accepts them.")
        { When = d => (d.Ours == "TAGGED NO [READ-ONLY]" && d.Theirs.StartsWith("TAGGED OK", StringComparison.Ordinal)) || (d.Where == "copy-move-expunge" && d.Item.StartsWith("MOVE 1 INBOX ->", StringComparison.Ordinal) && d.Ours == "<none>") },
        new(AllowKind.Deliberate, "CONVERSATION", "NOOP extra -> tagged", "*",
            "D18 RFC 3501 section 9: noop = \"NOOP\" takes no arguments; BAD. Dovecot ignores the extra text."),
        new(AllowKind.Deliberate, "CONVERSATION", "ENABLE -> tagged", "*",
            "D18 RFC 5161 section 4: enable = \"ENABLE\" 1*(SP capability); without one it is BAD."),
        new(AllowKind.Deliberate, "CONVERSATION", "FETCH 1 BODY[]<5.0> -> *", "*",
            "D18 RFC 3501 section 9: partial = \"<\" number \".\" nz-number \">\"; a zero length is BAD."),
        new(AllowKind.Deliberate, "CONVERSATION", "FETCH 1 BINARY[1.HEADER] -> *", "*",
            "D18 RFC 3516 section 6 / RFC 9051 section 9: section-binary = \"[\" [section-part] \"]\"; HEADER is not allowed in BINARY, BAD."),
        new(AllowKind.Deliberate, "CONVERSATION", "SEARCH 5:* -> *", "*",
            "D18 RFC 3501 section 9 (seq-number): a sequence number greater than the number of messages gets a tagged BAD; Dovecot answers an empty SEARCH."),
        new(AllowKind.Deliberate, "CONVERSATION", "ENABLE QRESYNC -> *", "condstore",
            "D18 RFC 5161 section 3.1: ENABLE is valid in the authenticated state only; in the selected state it is BAD."),
        new(AllowKind.Deliberate, "CONVERSATION", "*", "append-refused",
            "D18 APPEND with \"31-Feb-2024\" is BAD: not a date (RFC 3501 section 9 date-time; RFC 3501 section 6.3.11 BAD for invalid arguments); Dovecot stores it."),
        new(AllowKind.Deliberate, "CONVERSATION", "*", "inbox-rename",
            "D19 RENAME INBOX is allowed and moves INBOX's messages to the new folder, leaving INBOX empty (RFC 3501 section 6.3.5); Dovecot refuses it with NO [CANNOT] (a limit of its storage)."),
        new(AllowKind.Deliberate, "CONVERSATION", "STORE * -> FETCH *", "*",
            "D20 STORE answers an untagged FETCH for every message in the set, changed or not (RFC 3501 section 6.4.6 and its example); Dovecot only for messages whose flags changed.")
        { Theirs = "<none>" },
        new(AllowKind.Deliberate, "CONVERSATION", "STORE * -> FETCH *", "*",
            "D21 with CONDSTORE enabled the FETCH after STORE carries UID as well as MODSEQ (RFC 7162 section 3.2.4 requires UID once QRESYNC is on; extra data items are always allowed, RFC 3501 section 7.4.2).")
        { When = d => System.Text.RegularExpressions.Regex.Replace(d.Ours, @" UID \d+\)$", ")") == d.Theirs },
        new(AllowKind.Deliberate, "CONVERSATION", "FETCH 1 BODY[*] -> FETCH 1", "fetch-variants",
            "D22 a section that does not exist is NIL, not \"\" (RFC 3501 section 9: BODY section is an nstring; \"\" would claim an empty part)."),
        new(AllowKind.Deliberate, "CONVERSATION", "ENABLE BOGUS -> * ENABLED", "*",
            "D23 RFC 5161 section 3.1/4: the ENABLED response lists what was enabled, possibly nothing (enable-data = \"ENABLED\" *(SP capability)); Dovecot omits the empty response.")
        { Ours = "* ENABLED", Theirs = "<none>" },
        new(AllowKind.Deliberate, "CONVERSATION", "UNSUBSCRIBE Never -> tagged", "*",
            "D24 UNSUBSCRIBE of a name that is not subscribed: NO (RFC 3501 section 6.3.7, \"can't unsubscribe that name\"); Dovecot says OK.")
        { Ours = "TAGGED NO*" },
        new(AllowKind.Deliberate, "FETCH", "*", "*",
            "D25 Dovecot drops the connection on FETCH of some corpus messages (duplicate-headers, one bad-base64; its imap process fails); there is no reference answer to compare.")
        { Theirs = "<connection closed>" },
        new(AllowKind.Deliberate, "FETCH", "*", "*-boundary-quirks",
            "D27 a boundary delimiter is a line consisting entirely of \"--\", the boundary and optional whitespace (RFC 2046 section 5.1.1); Dovecot also splits at \"--boundary-inner\" (prefix match), so it sees 4 parts where there are 2, and every value below differs."),
        new(AllowKind.Deliberate, "FETCH", "BINARY*", "*",
            "D28 BINARY of malformed base64/quoted-printable is decoded leniently (RFC 2045 section 6.8: characters outside the base64 alphabet are ignored; section 6.7 note 4 ff.: robust QP decoding), as a client would; Dovecot refuses with NO [PARSE].")
        { Theirs = "<NO [PARSE]>", When = d => new[] { "-bad-base64", "-bad-quoted-printable", "-bare-lf", "-mixed-line-endings", "-unknown-transfer-encoding" }.Any(s => d.Where.EndsWith(s, StringComparison.Ordinal)) },
        new(AllowKind.Deliberate, "FETCH", "*", "*-preamble-epilogue",
            "D29 an unquoted boundary containing '=' (boundary=----=_NextPart_...): RFC 2045 section 5.1 requires quoting it, but the delimiters in the body use the whole value, so we take it up to ';' and find the parts the sender meant; Dovecot cuts it at '=' (\"----\") and splits the body wrongly.")
        { When = d => !d.Item.StartsWith("FLAGS", StringComparison.Ordinal) },
        new(AllowKind.Deliberate, "FETCH", "BODY*[*].*", "*",
            "D31 a syntactically invalid Content-Type (\"Content-Type: ;charset=utf-8\") is taken as text/plain; charset=us-ascii, as RFC 2045 section 5.2 recommends; Dovecot reports an empty type and subtype.")
        { When = d => IsTextPlainFallback(d) && d.Theirs is "\"\"" or "NIL" or "<missing>" },
        new(AllowKind.Deliberate, "FETCH", "BODY[HEADER.FIELDS (*)]", "*",
            "D32 a message with no body and no blank line: RFC 3501 section 6.4.5 includes the blank line in header fetches \"except in the case of a message which has no body and no blank line\", and HEADER.FIELDS is a header fetch; Dovecot leaves it out of BODY[HEADER] and HEADER.FIELDS.NOT but adds it to HEADER.FIELDS.")
        { When = d => d.Theirs == d.Ours[..^1] + "\\x0D\\x0A\"" && d.Ours.EndsWith("\\x0D\\x0A\"", StringComparison.Ordinal) && !d.Ours.EndsWith("\\x0D\\x0A\\x0D\\x0A\"", StringComparison.Ordinal) },
        new(AllowKind.Deliberate, "FETCH", "BODYSTRUCTURE[*].language", "*",
            "D30 the body language is the Content-Language field (RFC 3501 section 7.4.2, RFC 3282); we report it for a message without Content-Type or MIME-Version too, Dovecot only with a Content-Type.")
        { Theirs = "NIL", Ours = "\"*\"" },
        new(AllowKind.Deliberate, "FETCH", "BODY*[*].lines", "*",
            "D33 body-fld-lines is the number of text lines of the body (RFC 3501 section 7.4.2 \"size of the body in text lines\"), and a last line without a line break is a line: every part before a boundary ends so, because the CRLF before the delimiter belongs to the delimiter (RFC 2046 section 5.1.1), so the one-line part \"abc\" has 1 line, not 0. Dovecot and Cyrus count line breaks.")
        { When = d => int.TryParse(d.Ours, CultureInfo.InvariantCulture, out var ours) && int.TryParse(d.Theirs, CultureInfo.InvariantCulture, out var theirs) && ours == theirs + 1 },
        new(AllowKind.Deliberate, "CONVERSATION", "FETCH 1 FULL -> FETCH 1", "fetch-variants",
            "D33 the BODY of FETCH FULL shows the line count of D33 (a one-line text part before the boundary: 1 line).")
        { When = d => d.Ours.Replace("\"7bit\" 5 1)", "\"7bit\" 5 0)", StringComparison.Ordinal) == d.Theirs },
    ];

    /// <summary>Our bugs, reported and not fixed yet. Remove an entry with its fix.</summary>
    public static IReadOnlyList<AllowedDifference> Open { get; } =
    [
    ];

    public static IReadOnlyList<AllowedDifference> Entries { get; } = [.. Deliberate, .. Open];

    private static readonly string[] ChildAndSpecialUseAttributes = ["\\HasChildren", "\\HasNoChildren", "\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash", "\\All", "\\Flagged"];

    /// <summary>D31: our value is that of the text/plain; us-ascii default where Dovecot has none.</summary>
    private static bool IsTextPlainFallback(Difference d)
    {
        var field = d.Item[(d.Item.LastIndexOf('.') + 1)..];
        return field switch
        {
            "type" => d.Ours == "\"text\"" && d.Theirs != "\"text\"",
            "subtype" => d.Ours == "\"plain\"" && d.Theirs != "\"plain\"",
            "params" => d.Ours.Contains("(\"charset\" \"us-ascii\")", StringComparison.Ordinal),
            "lines" => d.Theirs == "<missing>",
            _ => false,
        } && d.Item.StartsWith("BODY", StringComparison.Ordinal);
    }

    /// <summary>D12: a difference about a folder that only we created as a superior name.</summary>
    private static bool IsIntermediateFolder(Difference d)
    {
        if (d.Where is not ("create-delete-rename" or "list-patterns"))
        {
            return false;
        }

        var kind = d.Item[(d.Item.LastIndexOf("-> ", StringComparison.Ordinal) + 3)..];
        var command = d.Item[..d.Item.LastIndexOf(" -> ", StringComparison.Ordinal)];
        string[] names = ["Projects", "Projects/2024", "Archive/2024"];
        if (names.Any(n => kind.EndsWith(" " + n, StringComparison.Ordinal)))
        {
            // Also LSUB/LIST (SUBSCRIBED) lines: SUBSCRIBE of such a name succeeds with us, Dovecot refuses it.
            return d.Theirs.Contains("\\Noselect", StringComparison.Ordinal) || d.Theirs.Contains("\\NonExistent", StringComparison.Ordinal) || d.Theirs == "<none>";
        }

        return kind == "tagged" && names.Any(n => command.EndsWith(" " + n, StringComparison.Ordinal)) && d.Theirs.StartsWith("TAGGED NO", StringComparison.Ordinal);
    }

    /// <summary>D13: the same LIST line, ours with additional CHILDREN/special-use attributes only.</summary>
    private static bool HasOnlyExtraListAttributes(Difference d)
    {
        static (HashSet<string> Attributes, string Tail)? Split(string line)
        {
            var open = line.IndexOf('(', StringComparison.Ordinal);
            var close = line.IndexOf(')', StringComparison.Ordinal);
            return open < 0 || close < open ? null : (line[(open + 1)..close].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(), line[(close + 1)..]);
        }

        if (Split(d.Ours) is not { } ours || Split(d.Theirs) is not { } theirs || ours.Tail != theirs.Tail || !theirs.Attributes.IsSubsetOf(ours.Attributes))
        {
            return false;
        }

        var extra = ours.Attributes.Except(theirs.Attributes).ToList();
        return extra.Count > 0 && extra.All(a => ChildAndSpecialUseAttributes.Contains(a));
    }

    /// <summary>D14: ours lists no keywords (or none at all) where Dovecot lists the keywords in use.</summary>
    private static bool OnlyKeywordsMissing(Difference d)
    {
        static HashSet<string> Flags(string line) =>
            line.IndexOf('(', StringComparison.Ordinal) is var open and >= 0 && line.LastIndexOf(')') is var close && close > open
                ? line[(open + 1)..close].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet()
                : [];

        var theirs = Flags(d.Theirs);
        if (d.Ours == "<none>")
        {
            // Dovecot's unsolicited update announcing a keyword; we send none (nothing changed in our list).
            return theirs.Any(f => !f.StartsWith('\\'));
        }

        var ours = Flags(d.Ours);
        return ours.IsSubsetOf(theirs) && theirs.Except(ours).All(f => !f.StartsWith('\\')) && ours.Any(f => f.StartsWith('\\'));
    }

    /// <summary>
    /// D14: our FLAGS/PERMANENTFLAGS announcement ahead of the FETCH that first shows a keyword to this
    /// session, where Dovecot sends none at that command (it announced the keyword earlier).
    /// </summary>
    private static bool AnnouncedBeforeFetch(Difference d)
    {
        var command = d.Item[..d.Item.LastIndexOf(" -> ", StringComparison.Ordinal)];
        if (d.Theirs != "<none>" || !(command.StartsWith("FETCH ", StringComparison.Ordinal) || command.StartsWith("UID FETCH ", StringComparison.Ordinal)))
        {
            return false;
        }

        var open = d.Ours.IndexOf('(', StringComparison.Ordinal);
        var close = d.Ours.IndexOf(')', StringComparison.Ordinal);
        if (open < 0 || close < open)
        {
            return false;
        }

        var flags = d.Ours[(open + 1)..close].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] system = ["\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"];
        return system.All(flags.Contains) && flags.Any(f => !f.StartsWith('\\'));
    }

    /// <summary>A SORT answer without some message numbers (D34: only their places differ).</summary>
    private static string WithoutMessages(string numbers, string[] messages) =>
        string.Join(' ', numbers.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(n => !messages.Contains(n)));

    /// <summary>A SORT answer without one message number (D8: only that message's place differs).</summary>
    private static string WithoutMessage(string numbers, string message) =>
        string.Join(' ', numbers.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(n => n != message));

    /// <summary>A THREAD answer without the messages given (D34: only their places differ).</summary>
    private static string WithoutThreadMembers(string threads, string[] messages)
    {
        foreach (var message in messages)
        {
            // The message as a thread of its own, a member, or the parent of a thread ("(19 631)").
            threads = Regex.Replace(threads, @"(?<=\(\s*)" + message + @"(?=[ )])", string.Empty);

            // Parentheses left empty, and the spaces the removal leaves, are normalised.
            do
            {
                threads = Regex.Replace(threads.Replace("( ", "(", StringComparison.Ordinal).Replace(" )", ")", StringComparison.Ordinal).Replace("()", string.Empty, StringComparison.Ordinal), @"\s+", " ");
            }
            while (threads.Contains("()", StringComparison.Ordinal) || threads.Contains("( ", StringComparison.Ordinal) || threads.Contains(" )", StringComparison.Ordinal));
        }

        return threads.Trim();
    }

    /// <summary>D3: Dovecot's value is ours plus one CRLF (a body ending), or two octets more (its size).</summary>
    private static bool EndsWithExtraCrlf(Difference d)
    {
        if (long.TryParse(d.Ours, CultureInfo.InvariantCulture, out var ours) && long.TryParse(d.Theirs, CultureInfo.InvariantCulture, out var theirs))
        {
            return theirs == ours + 2 && (d.Item.EndsWith(".size", StringComparison.Ordinal) || d.Item.StartsWith("BINARY.SIZE[", StringComparison.Ordinal));
        }

        // Header sections are D32's (and the bare-LF shapes' O20), not this rule's.
        return d.Ours.Length > 1 && d.Theirs == d.Ours[..^1] + "\\x0D\\x0A\"" && !d.Item.Contains("HEADER", StringComparison.Ordinal) && !d.Item.EndsWith(".MIME]", StringComparison.Ordinal);
    }
}
