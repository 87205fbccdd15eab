using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Mime;

namespace HostedMail.Imap.Protocol;

/// <summary>The outcome of parsing one command: the command, or the error to answer BAD with (tagged when the tag was readable).</summary>
internal readonly record struct ImapParseResult(ImapCommand? Command, string? Tag, string? Error)
{
    public bool IsSuccess => Command is not null;
}

/// <summary>
/// Parses one complete command (RFC 9051 section 9 grammar plus the extensions advertised): pure,
/// synchronous, and never throws on bad input — the result carries the reason for BAD.
/// </summary>
internal static partial class ImapCommandParser
{
    /// <summary>Parentheses and NOT/OR nest at most this deep in a search program, so hostile input cannot exhaust the stack.</summary>
    public const int MaxSearchDepth = 64;

    public static ImapParseResult Parse(ReadOnlyMemory<byte> command)
    {
        var reader = new ImapReader(command);
        string? tag = null;
        try
        {
            tag = reader.Tag();
            reader.Space();
            var verb = reader.Word();
            var uid = false;
            if (verb == "UID")
            {
                uid = true;
                reader.Space();
                verb = reader.Word();
                if (verb is not ("FETCH" or "STORE" or "COPY" or "MOVE" or "SEARCH" or "EXPUNGE" or "SORT" or "THREAD"))
                {
                    throw ImapReader.Error("UID " + verb + " is not a command");
                }
            }

            var parsed = ParseVerb(reader, tag, verb, uid);
            reader.ExpectEnd();
            return new ImapParseResult(parsed with { Uid = uid }, tag, null);
        }
        catch (ImapSyntaxException ex)
        {
            return new ImapParseResult(null, tag, ex.Message);
        }
    }

    private static ImapCommand ParseVerb(ImapReader r, string tag, string verb, bool uid)
    {
        switch (verb)
        {
            case "CAPABILITY": return new ImapCommand(tag, ImapVerb.Capability);
            case "NOOP": return new ImapCommand(tag, ImapVerb.Noop);
            case "LOGOUT": return new ImapCommand(tag, ImapVerb.Logout);
            case "STARTTLS": return new ImapCommand(tag, ImapVerb.StartTls);
            case "CHECK": return new ImapCommand(tag, ImapVerb.Check);
            case "CLOSE": return new ImapCommand(tag, ImapVerb.Close);
            case "UNSELECT": return new ImapCommand(tag, ImapVerb.Unselect);
            case "IDLE": return new ImapCommand(tag, ImapVerb.Idle);
            case "NAMESPACE": return new ImapCommand(tag, ImapVerb.Namespace);
            case "EXPUNGE":
                if (uid)
                {
                    r.Space();
                    return new ExpungeCommand(tag, r.SequenceSet());
                }

                return new ExpungeCommand(tag, null);
            case "LOGIN":
                r.Space();
                var user = r.AString();
                r.Space();
                return new LoginCommand(tag, user, r.AString());
            case "AUTHENTICATE":
                r.Space();
                var mechanism = r.Atom().ToUpperInvariant();
                string? initial = null;
                if (r.TryConsume(' '))
                {
                    // RFC 4959: the initial response is base64 or "=" for an empty one.
                    initial = r.Atom();
                }

                return new AuthenticateCommand(tag, mechanism, initial);
            case "ENABLE":
                var capabilities = new List<string>();
                do
                {
                    r.Space();
                    capabilities.Add(r.Atom().ToUpperInvariant());
                }
                while (!r.AtEnd);
                return new EnableCommand(tag, capabilities);
            case "SELECT":
            case "EXAMINE":
                return ParseSelect(r, tag, verb == "SELECT" ? ImapVerb.Select : ImapVerb.Examine);
            case "CREATE":
                r.Space();
                var name = r.AString();
                var uses = new List<string>();
                if (r.TryConsume(' '))
                {
                    // RFC 6154 section 3: CREATE name (USE (\Sent ...)).
                    r.Expect('(');
                    if (!r.TryWord("USE"))
                    {
                        throw ImapReader.Error("unknown CREATE parameter");
                    }

                    r.Space();
                    r.Expect('(');
                    do
                    {
                        r.Expect('\\');
                        uses.Add("\\" + r.Atom());
                    }
                    while (r.TryConsume(' '));
                    r.Expect(')');
                    r.Expect(')');
                }

                return new CreateCommand(tag, name, uses);
            case "DELETE": return Mailbox(r, tag, ImapVerb.Delete);
            case "SUBSCRIBE": return Mailbox(r, tag, ImapVerb.Subscribe);
            case "UNSUBSCRIBE": return Mailbox(r, tag, ImapVerb.Unsubscribe);
            case "RENAME":
                r.Space();
                var from = r.AString();
                r.Space();
                return new RenameCommand(tag, from, r.AString());
            case "LIST": return ParseList(r, tag, ImapVerb.List);
            case "LSUB": return ParseList(r, tag, ImapVerb.Lsub);
            case "STATUS":
                r.Space();
                var mailbox = r.AString();
                r.Space();
                r.Expect('(');
                var items = new List<string>();
                do
                {
                    items.Add(r.Word());
                }
                while (r.TryConsume(' '));
                r.Expect(')');
                return new StatusCommand(tag, mailbox, items);
            case "APPEND": return ParseAppend(r, tag);
            case "SEARCH": return ParseSearch(r, tag, uid);
            case "SORT": return ParseSort(r, tag, uid);
            case "THREAD":
                r.Space();
                var algorithm = r.Word();
                r.Space();
                var charset = r.AString();
                CheckCharset(charset);
                return new ThreadCommand(tag, algorithm, SearchProgram(r, uid));
            case "FETCH": return ParseFetch(r, tag);
            case "STORE": return ParseStore(r, tag);
            case "COPY":
            case "MOVE":
                r.Space();
                var set = r.SequenceSet();
                r.Space();
                return new CopyCommand(tag, verb == "COPY" ? ImapVerb.Copy : ImapVerb.Move, set, r.AString());
            case "ID":
                r.Space();
                if (r.TryWord("NIL"))
                {
                    return new IdCommand(tag, null);
                }

                r.Expect('(');
                var parameters = new List<KeyValuePair<string, string?>>();
                while (!r.TryConsume(')'))
                {
                    if (parameters.Count > 0)
                    {
                        r.Space();
                    }

                    var key = r.String();
                    r.Space();
                    parameters.Add(new(key, r.NString()));
                    if (parameters.Count > 30)
                    {
                        throw ImapReader.Error("too many ID parameters");
                    }
                }

                return new IdCommand(tag, parameters);
            case "COMPRESS":
                r.Space();
                return new CompressCommand(tag, r.Atom().ToUpperInvariant());
            case "GETQUOTA":
                r.Space();
                return new QuotaCommand(tag, ImapVerb.GetQuota, r.AString());
            case "GETQUOTAROOT":
                r.Space();
                return new QuotaCommand(tag, ImapVerb.GetQuotaRoot, r.AString());
            case "SETQUOTA":
                r.Space();
                var root = r.AString();
                r.Space();
                r.Expect('(');
                while (!r.TryConsume(')'))
                {
                    r.TryConsume(' ');
                    r.Word();
                    r.Space();
                    r.Number(wide: true);
                }

                return new QuotaCommand(tag, ImapVerb.SetQuota, root);
            default:
                throw ImapReader.Error("unknown command " + verb);
        }
    }

    private static MailboxCommand Mailbox(ImapReader r, string tag, ImapVerb verb)
    {
        r.Space();
        return new MailboxCommand(tag, verb, r.AString());
    }

    private static SelectCommand ParseSelect(ImapReader r, string tag, ImapVerb verb)
    {
        r.Space();
        var mailbox = r.AString();
        var condStore = false;
        QresyncParameters? qresync = null;
        if (r.TryConsume(' '))
        {
            r.Expect('(');
            do
            {
                var parameter = r.Word();
                if (parameter == "CONDSTORE")
                {
                    condStore = true;
                }
                else if (parameter == "QRESYNC")
                {
                    // RFC 7162 section 3.2.5: (uidvalidity mod-sequence [known-uids [(seq-match-data)]])
                    r.Space();
                    r.Expect('(');
                    var uidValidity = r.NzNumber();
                    r.Space();
                    var modSeq = r.NzNumber(wide: true);
                    SequenceSet? known = null, knownSeq = null, knownSeqUids = null;
                    if (r.TryConsume(' '))
                    {
                        if (!r.PeekIs('('))
                        {
                            known = r.SequenceSet();
                            r.TryConsume(' ');
                        }

                        if (r.TryConsume('('))
                        {
                            knownSeq = r.SequenceSet();
                            r.Space();
                            knownSeqUids = r.SequenceSet();
                            r.Expect(')');
                        }
                    }

                    r.Expect(')');
                    qresync = new QresyncParameters(uidValidity, modSeq, known, knownSeq, knownSeqUids);
                }
                else
                {
                    throw ImapReader.Error("unknown SELECT parameter " + parameter);
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }

        return new SelectCommand(tag, verb, mailbox, condStore, qresync);
    }

    private static ListCommand ParseList(ImapReader r, string tag, ImapVerb verb)
    {
        r.Space();
        bool subscribed = false, specialUse = false, recursive = false, extended = false;
        if (verb == ImapVerb.List && r.TryConsume('('))
        {
            // RFC 5258 section 3.1 selection options.
            extended = true;
            while (!r.TryConsume(')'))
            {
                r.TryConsume(' ');
                switch (r.Word())
                {
                    case "SUBSCRIBED": subscribed = true; break;
                    case "SPECIAL-USE": specialUse = true; break;
                    case "RECURSIVEMATCH": recursive = true; break;
                    case "REMOTE": break;
                    default: throw ImapReader.Error("unknown LIST selection option");
                }
            }

            if (recursive && !subscribed)
            {
                throw ImapReader.Error("RECURSIVEMATCH needs another selection option");
            }

            r.Space();
        }

        var reference = r.AString();
        r.Space();
        var patterns = new List<string>();
        if (verb == ImapVerb.List && r.TryConsume('('))
        {
            extended = true;
            do
            {
                patterns.Add(r.ListMailbox());
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        else
        {
            patterns.Add(r.ListMailbox());
        }

        bool returnSubscribed = false, returnChildren = false, returnSpecialUse = false;
        List<string>? status = null;
        if (verb == ImapVerb.List && r.TryConsume(' '))
        {
            extended = true;
            if (!r.TryWord("RETURN"))
            {
                throw ImapReader.Error("expected RETURN");
            }

            r.Space();
            r.Expect('(');
            while (!r.TryConsume(')'))
            {
                r.TryConsume(' ');
                switch (r.Word())
                {
                    case "SUBSCRIBED": returnSubscribed = true; break;
                    case "CHILDREN": returnChildren = true; break;
                    case "SPECIAL-USE": returnSpecialUse = true; break;
                    case "STATUS":
                        // RFC 5819.
                        r.Space();
                        r.Expect('(');
                        status = [];
                        do
                        {
                            status.Add(r.Word());
                        }
                        while (r.TryConsume(' '));
                        r.Expect(')');
                        break;
                    default: throw ImapReader.Error("unknown LIST return option");
                }
            }
        }

        return new ListCommand(tag, verb, reference, patterns)
        {
            SelectSubscribed = subscribed,
            SelectSpecialUse = specialUse,
            RecursiveMatch = recursive,
            ReturnSubscribed = returnSubscribed,
            ReturnChildren = returnChildren,
            ReturnSpecialUse = returnSpecialUse,
            ReturnStatus = status,
            Extended = extended,
        };
    }

    private static AppendCommand ParseAppend(ImapReader r, string tag)
    {
        r.Space();
        var mailbox = r.AString();
        var messages = new List<AppendMessage>();
        while (r.TryConsume(' '))
        {
            var flags = (MessageFlags.None, new List<string>());
            DateTimeOffset? date = null;
            if (r.PeekIs('('))
            {
                flags = r.FlagList();
                r.Space();
            }

            if (r.PeekIs('"'))
            {
                date = r.DateTime();
                r.Space();
            }

            ReadOnlyMemory<byte> data;
            bool binary;
            if (r.TryWord("UTF8"))
            {
                // RFC 6855 section 4: UTF8 (literal8).
                r.Space();
                r.Expect('(');
                data = r.Literal(allowBinary: true, out binary);
                r.Expect(')');
            }
            else
            {
                data = r.Literal(allowBinary: true, out binary);
            }

            messages.Add(new AppendMessage(flags.Item1, flags.Item2, date, data, binary));
        }

        if (messages.Count == 0)
        {
            throw ImapReader.Error("APPEND needs a message literal");
        }

        return new AppendCommand(tag, mailbox, messages);
    }

    private static FetchCommand ParseFetch(ImapReader r, string tag)
    {
        r.Space();
        var set = r.SequenceSet();
        r.Space();
        var items = new List<FetchItem>();
        if (r.TryConsume('('))
        {
            do
            {
                items.Add(FetchAttribute(r));
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        else if (r.TryWord("ALL"))
        {
            items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Rfc822Size), new(FetchKind.Envelope)]);
        }
        else if (r.TryWord("FAST"))
        {
            items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Rfc822Size)]);
        }
        else if (r.TryWord("FULL"))
        {
            items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Rfc822Size), new(FetchKind.Envelope), new(FetchKind.Body)]);
        }
        else
        {
            items.Add(FetchAttribute(r));
        }

        long? changedSince = null;
        var vanished = false;
        if (r.TryConsume(' '))
        {
            // RFC 7162 sections 3.1.4.1 and 3.2.6: (CHANGEDSINCE n [VANISHED]).
            r.Expect('(');
            do
            {
                var modifier = r.Word();
                if (modifier == "CHANGEDSINCE")
                {
                    r.Space();
                    changedSince = r.Number(wide: true);
                }
                else if (modifier == "VANISHED")
                {
                    vanished = true;
                }
                else
                {
                    throw ImapReader.Error("unknown FETCH modifier " + modifier);
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
            if (vanished && changedSince is null)
            {
                throw ImapReader.Error("VANISHED needs CHANGEDSINCE");
            }
        }

        return new FetchCommand(tag, set, items, changedSince, vanished);
    }

    private static FetchItem FetchAttribute(ImapReader r)
    {
        var name = r.Word();
        switch (name)
        {
            case "UID": return new FetchItem(FetchKind.Uid);
            case "FLAGS": return new FetchItem(FetchKind.Flags);
            case "INTERNALDATE": return new FetchItem(FetchKind.InternalDate);
            case "RFC822.SIZE": return new FetchItem(FetchKind.Rfc822Size);
            case "ENVELOPE": return new FetchItem(FetchKind.Envelope);
            case "BODYSTRUCTURE": return new FetchItem(FetchKind.BodyStructure);
            case "MODSEQ": return new FetchItem(FetchKind.ModSeq);
            case "RFC822": return new FetchItem(FetchKind.Rfc822);
            case "RFC822.HEADER": return new FetchItem(FetchKind.Rfc822Header);
            case "RFC822.TEXT": return new FetchItem(FetchKind.Rfc822Text);
            case "BODY" when !r.PeekIs('['): return new FetchItem(FetchKind.Body);
            case "BODY":
            case "BODY.PEEK":
            case "BINARY":
            case "BINARY.PEEK":
            case "BINARY.SIZE":
                r.Expect('[');
                var sectionText = r.UntilCloseBracket();
                string? partial = null;
                if (name != "BINARY.SIZE" && r.TryConsume('<'))
                {
                    var start = r.Number();
                    r.Expect('.');
                    var length = r.NzNumber();
                    r.Expect('>');
                    partial = start + "." + length;
                }

                if (!ImapSection.TryParse(sectionText, partial, out var section))
                {
                    throw ImapReader.Error("invalid section");
                }

                var binary = name.StartsWith("BINARY", StringComparison.Ordinal);
                if (binary && section.Kind != ImapSectionKind.Full)
                {
                    throw ImapReader.Error("BINARY takes part numbers only");
                }

                var kind = name == "BINARY.SIZE" ? FetchKind.BinarySize : binary ? FetchKind.Binary : FetchKind.Section;
                return new FetchItem(kind, section, name.EndsWith(".PEEK", StringComparison.Ordinal));
            default:
                throw ImapReader.Error("unknown FETCH item " + name);
        }
    }

    private static StoreCommand ParseStore(ImapReader r, string tag)
    {
        r.Space();
        var set = r.SequenceSet();
        r.Space();
        long? unchangedSince = null;
        if (r.TryConsume('('))
        {
            // RFC 7162 section 3.1.3.
            if (!r.TryWord("UNCHANGEDSINCE"))
            {
                throw ImapReader.Error("unknown STORE modifier");
            }

            r.Space();
            unchangedSince = r.Number(wide: true);
            r.Expect(')');
            r.Space();
        }

        var mode = r.TryConsume('+') ? FlagStoreMode.Add : r.TryConsume('-') ? FlagStoreMode.Remove : FlagStoreMode.Replace;
        var item = r.Word();
        var silent = item == "FLAGS.SILENT";
        if (item != "FLAGS" && !silent)
        {
            throw ImapReader.Error("expected FLAGS or FLAGS.SILENT");
        }

        r.Space();
        (MessageFlags, List<string>) flags;
        if (r.PeekIs('('))
        {
            flags = r.FlagList();
        }
        else
        {
            flags = (MessageFlags.None, new List<string>());
            do
            {
                r.AddFlag(ref flags);
            }
            while (r.TryConsume(' '));
        }

        return new StoreCommand(tag, set, mode, silent, flags.Item1, flags.Item2, unchangedSince);
    }
}
