using System.Globalization;
using System.Text;

namespace HostedMail.Conformance;

/// <summary>
/// Scripted conversations covering the commands and error cases of RFC 3501 / RFC 9051 and of the
/// extensions both servers advertise. Each runs on a fresh mailbox of each server, starting in the
/// not-authenticated state.
/// </summary>
public static class ConversationScripts
{
    private const string Login = "LOGIN \"$USER\" \"$PASS\"";

    public static IReadOnlyList<ConversationScript> All { get; } =
    [
        new("authentication-failures", ["SASL-IR", "AUTH=PLAIN"],
        [
            "CAPABILITY", "NOOP",
            // RFC 3501 section 6.2.3: a wrong password is NO [AUTHENTICATIONFAILED] (RFC 5530).
            "LOGIN \"$USER\" \"wrong password\"",
            "AUTHENTICATE PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0nobody\0wrong")),
            "AUTHENTICATE PLAIN $PLAIN",
            // Already authenticated (RFC 3501 section 6.2).
            Login,
            "AUTHENTICATE PLAIN $PLAIN",
            "LOGOUT",
        ]),
        new("authentication-syntax", ["AUTH=PLAIN"],
        [
            "AUTHENTICATE NOSUCHMECHANISM",
            "AUTHENTICATE PLAIN not-base64!",
            Login,
            "LOGOUT",
        ]),
        new("not-authenticated-state", [],
        [
            // Commands of the authenticated and selected states (RFC 3501 section 3); a few only,
            // since a server may close a connection after several bad commands.
            "SELECT INBOX", "FETCH 1 FLAGS", Login, "LOGOUT",
        ]),
        new("login-syntax", [],
        [
            "LOGIN onlyuser", "LOGIN", Login, "LOGOUT",
        ]),
        new("login-then-state", [],
        [
            "LOGIN \"$USER\" \"$PASS\"",
            "FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "SEARCH ALL", "EXPUNGE", "CLOSE", "UNSELECT", "COPY 1 Trash", "UID FETCH 1 FLAGS",
            "CHECK", "NOOP", "LOGOUT",
        ]),
        new("bad-syntax", [],
        [
            Login, "FROBNICATE", "NOOP extra",
            "SELECT", "LIST \"\"", "STATUS INBOX", "STATUS INBOX ()", "STATUS INBOX (FOO)", "STATUS INBOX (MESSAGES", "CREATE", "DELETE", "RENAME Foo",
            "SELECT INBOX",
            "FETCH", "FETCH 1", "FETCH 1 (", "FETCH 1 BOGUS", "FETCH 0 FLAGS", "FETCH 1:x FLAGS", "STORE 1 +FLAGS", "STORE 1 BOGUS (\\Seen)",
            "SEARCH", "SEARCH BOGUS", "SEARCH (SEEN", "SEARCH BEFORE notadate", "COPY 1", "UID", "UID BOGUS 1",
            "NOOP",
        ]),
        new("select-examine-status", ["STATUS=SIZE"],
        [
            Login,
            "SELECT Nowhere", "EXAMINE Nowhere", "STATUS Nowhere (MESSAGES)",
            "SELECT INBOX", "EXAMINE INBOX", "SELECT inbox", "SELECT Sent",
            "STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)", "STATUS Sent (MESSAGES UIDNEXT UNSEEN SIZE)",
            "STATUS Sent (MESSAGES UNSEEN)", "UNSELECT", "UNSELECT", "CLOSE",
        ]),
        new("create-delete-rename", ["CHILDREN"],
        [
            Login,
            "CREATE Projects", "CREATE Projects", "CREATE projects", "CREATE Projects/2024/Q1", "CREATE Projects/2024/Q2", "CREATE INBOX", "CREATE inbox",
            "CREATE \"With Space\"", "CREATE Trailing/", "CREATE &AOk-t&AOk-", "CREATE \"\"",
            "LIST \"\" *",
            "RENAME Projects/2024/Q2 Projects/2024/Q3", "RENAME Nowhere Else", "RENAME Sent Drafts", "RENAME Projects/2024 Archive/2024",
            "LIST \"\" *",
            "DELETE Nowhere", "DELETE INBOX", "DELETE Projects/2024/Q1", "DELETE Projects", "DELETE \"With Space\"",
            "LIST \"\" *",
            "SELECT Projects", "DELETE Projects", "LIST \"\" Projects*",
        ]),
        new("inbox-rename", ["UIDPLUS"],
        [
            Login,
            AppendCommand("INBOX", "(\\Seen)", "01-Apr-2024 10:00:00 +0000", "Subject: one\r\n\r\nbody one\r\n"),
            AppendCommand("INBOX", "()", "02-Apr-2024 10:00:00 +0000", "Subject: two\r\n\r\nbody two\r\n"),
            // RFC 3501 section 6.3.5: renaming INBOX moves its messages to a new folder and leaves INBOX empty.
            "RENAME INBOX OldInbox", "STATUS INBOX (MESSAGES)", "STATUS OldInbox (MESSAGES)", "LIST \"\" *",
        ]),
        new("list-patterns", ["LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CHILDREN"],
        [
            Login,
            "CREATE Projects/2024/Q1", "CREATE Projects/Old", "CREATE Private",
            "LIST \"\" \"\"", "LIST \"\" *", "LIST \"\" %", "LIST \"\" Pro%", "LIST \"\" Projects/%", "LIST Projects/ %", "LIST Projects/ *",
            "LIST \"\" INBOX", "LIST \"\" inbox", "LIST \"\" */Q1", "LIST \"\" Nowhere", "LIST \"\" P*o*", "LIST \"\" %/%",
            "LSUB \"\" *", "SUBSCRIBE Projects", "SUBSCRIBE Projects/2024/Q1", "SUBSCRIBE Nowhere", "LSUB \"\" *", "LSUB \"\" %",
            "UNSUBSCRIBE Projects", "UNSUBSCRIBE Never", "LSUB \"\" *",
            "LIST (SUBSCRIBED) \"\" *", "LIST \"\" * RETURN (CHILDREN)", "LIST (SPECIAL-USE) \"\" *", "LIST \"\" % RETURN (SPECIAL-USE)",
            "LIST \"\" % RETURN (STATUS (MESSAGES UIDNEXT))", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %", "LIST \"\" (INBOX Sent Nowhere)",
            "LIST (REMOTE) \"\" %", "LIST (BOGUS) \"\" %",
        ]),
        new("append", ["LITERAL+", "UIDPLUS", "MULTIAPPEND"],
        [
            Login,
            AppendCommand("INBOX", "(\\Seen \\Flagged)", "05-Mar-2024 07:45:00 +0530", "From: a@example.com\r\nSubject: first\r\n\r\nfirst\r\n"),
            AppendCommand("INBOX", "($Forwarded Custom)", "06-Mar-2024 12:00:00 -0800", "Subject: keywords\r\n\r\nsecond\r\n"),
            AppendCommand("INBOX", null, null, "Subject: no flags no date\r\n\r\nthird\r\n"),
            "APPEND INBOX {27+}\r\nSubject: literal+\r\n\r\nfourth",
            AppendCommand("Nowhere", "()", null, "Subject: no folder\r\n\r\nx\r\n"),
            "APPEND INBOX {0}\r\n",
            // RFC 3502 MULTIAPPEND: two messages in one command.
            "APPEND Sent (\\Seen) {20+}\r\nSubject: multi one\r\n (\\Draft) {20+}\r\nSubject: multi two\r\n",
            "SELECT INBOX",
            "FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)",
            "UID FETCH 1:* (UID)",
            "STATUS Sent (MESSAGES)",
        ]),
        new("append-refused", [],
        [
            Login,
            // RFC 3501 section 9: date-day-fixed and a zone are required; 31 Feb is no date.
            AppendCommand("INBOX", "()", "31-Feb-2024 10:00:00 +0000", "Subject: bad date\r\n\r\nx\r\n"),
            AppendCommand("INBOX", "()", "5-Mar-2024 10:00:00", "Subject: date without zone\r\n\r\nx\r\n"),
            // RFC 3501 section 2.3.2: \Recent cannot be set by a client; \Bogus is no system flag.
            AppendCommand("INBOX", "(\\Recent)", null, "Subject: recent flag\r\n\r\nx\r\n"),
            AppendCommand("INBOX", "(\\Bogus)", null, "Subject: unknown system flag\r\n\r\nx\r\n"),
            "STATUS INBOX (MESSAGES)",
        ]),
        new("store-flags", ["UIDPLUS"],
        [
            Login,
            .. Enumerable.Range(1, 5).Select(i => AppendCommand("INBOX", "()", $"0{i}-Apr-2024 10:00:00 +0000", $"Subject: message {i}\r\n\r\nbody {i}\r\n")),
            "SELECT INBOX",
            "STORE 1 +FLAGS (\\Seen)", "STORE 2 +FLAGS.SILENT (\\Flagged)", "STORE 1:3 -FLAGS (\\Seen)", "STORE 4 FLAGS (\\Answered $Label1)",
            "STORE 5 +FLAGS (NewKeyword)", "STORE 5 -FLAGS.SILENT (NewKeyword)", "STORE 3 FLAGS ()", "STORE 1:* +FLAGS (\\Draft)", "FETCH 1:* FLAGS",
            "UID STORE 2:4 -FLAGS (\\Draft)", "UID STORE 99 +FLAGS (\\Seen)", "STORE 9 +FLAGS (\\Seen)", "STORE 1 +FLAGS (\\Recent)", "STORE 1 +FLAGS (\\Bogus)",
            "STORE 1 FLAGS.SILENT (\\Seen \\Deleted)", "STORE * +FLAGS (\\Deleted)", "FETCH 1:* (UID FLAGS)", "SEARCH DELETED", "SEARCH KEYWORD $Label1",
            "EXAMINE INBOX", "STORE 1 +FLAGS (\\Flagged)",
        ]),
        new("copy-move-expunge", ["UIDPLUS", "MOVE"],
        [
            Login,
            .. Enumerable.Range(1, 6).Select(i => AppendCommand("INBOX", i % 2 == 0 ? "(\\Seen)" : "()", $"1{i}-Apr-2024 10:00:00 +0000", $"Subject: copy {i}\r\n\r\nbody {i}\r\n")),
            "SELECT INBOX",
            "COPY 1:2 Trash", "COPY 1 Nowhere", "COPY 99 Trash", "UID COPY 3 Trash", "UID COPY 99 Trash",
            "MOVE 1 Archive", "UID MOVE 4 Archive", "MOVE 1 Nowhere", "FETCH 1:* (UID FLAGS)",
            "STORE 1 +FLAGS (\\Deleted)", "STORE 3 +FLAGS (\\Deleted)", "UID EXPUNGE 3", "EXPUNGE", "FETCH 1:* (UID)",
            "STATUS Trash (MESSAGES UIDNEXT UNSEEN)", "STATUS Archive (MESSAGES UIDNEXT)",
            "STORE 1 +FLAGS (\\Deleted)", "CLOSE", "STATUS INBOX (MESSAGES)",
            "SELECT Trash", "FETCH 1:* (UID FLAGS RFC822.SIZE)", "STORE 1 +FLAGS (\\Deleted)", "UNSELECT", "STATUS Trash (MESSAGES)",
            "EXAMINE Archive", "STORE 1 +FLAGS (\\Deleted)", "EXPUNGE", "MOVE 1 INBOX",
        ]),
        new("fetch-variants", [],
        [
            Login,
            AppendCommand("INBOX", "()", "01-May-2024 09:00:00 +0200", "From: A <a@example.com>\r\nTo: b@example.com\r\nSubject: fetch\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--x--\r\n"),
            "SELECT INBOX",
            "FETCH 1 ALL", "FETCH 1 FAST", "FETCH 1 FULL", "FETCH 1 (UID RFC822.SIZE)", "UID FETCH 1 (FLAGS)", "UID FETCH 99 (FLAGS)",
            "FETCH 2 FLAGS", "FETCH 1 BODY[3]", "FETCH 1 BODY[1.2.3]", "FETCH 1 BODY[2.MIME]", "FETCH 1 BODY[]<5.0>", "FETCH 1 BODY[]<1000.10>",
            "FETCH 1 BODY[HEADER.FIELDS ()]", "FETCH 1 BODY[HEADER.FIELDS (X-NONE)]", "FETCH 1 BODY[MIME]", "FETCH 1 BINARY[2]", "FETCH 1 BINARY.SIZE[2]",
            "FETCH 1 BINARY[]<0.5>", "FETCH 1 BINARY[1.HEADER]",
            "FETCH 1 RFC822", "FETCH 1 FLAGS", "FETCH 1 RFC822.TEXT", "FETCH 1 BODY[TEXT]", "FETCH 1 FLAGS",
        ]),
        new("search-esearch", ["ESEARCH", "SEARCHRES", "WITHIN"],
        [
            Login,
            .. Enumerable.Range(1, 4).Select(i => AppendCommand("INBOX", i == 2 ? "(\\Flagged)" : "()", $"0{i}-Jun-2024 10:00:00 +0000", $"Subject: search {i}\r\n\r\nbody {i}\r\n")),
            "SELECT INBOX",
            "SEARCH ALL", "SEARCH RETURN (MIN MAX COUNT ALL) ALL", "SEARCH RETURN () FLAGGED", "SEARCH RETURN (COUNT) UNFLAGGED",
            "UID SEARCH RETURN (MIN MAX) ALL", "SEARCH RETURN (MIN) KEYWORD nothing", "SEARCH RETURN (BOGUS) ALL",
            "SEARCH RETURN (SAVE) FLAGGED", "FETCH $ (UID)", "SEARCH $", "SEARCH RETURN (SAVE MIN) 3:4", "UID SEARCH $",
            "SEARCH OLDER 1", "SEARCH YOUNGER 100000000", "SEARCH CHARSET BOGUS ALL", "SEARCH UNDRAFT 2:*", "SEARCH 5:*",
        ]),
        new("condstore", ["CONDSTORE", "ENABLE"],
        [
            Login,
            .. Enumerable.Range(1, 3).Select(i => AppendCommand("INBOX", "()", $"0{i}-Jul-2024 10:00:00 +0000", $"Subject: modseq {i}\r\n\r\nbody {i}\r\n")),
            "SELECT INBOX (CONDSTORE)",
            "FETCH 1:* (FLAGS MODSEQ)", "STORE 1 +FLAGS (\\Seen)", "STORE 2 (UNCHANGEDSINCE 1) +FLAGS (\\Flagged)",
            "STORE 3 (UNCHANGEDSINCE $HIGHESTMODSEQ) +FLAGS (\\Answered)", "FETCH 1:* (FLAGS) (CHANGEDSINCE 1)", "SEARCH MODSEQ 1",
            "SEARCH MODSEQ \"/flags/\\\\Seen\" all 1", "STATUS INBOX (HIGHESTMODSEQ)", "UNSELECT", "EXAMINE INBOX (CONDSTORE)", "FETCH 1 (MODSEQ)",
            // RFC 5161 section 3.1: ENABLE is valid in the authenticated state only.
            "ENABLE QRESYNC",
        ]),
        new("qresync", ["CONDSTORE", "QRESYNC", "ENABLE"],
        [
            Login, "ENABLE QRESYNC",
            .. Enumerable.Range(1, 3).Select(i => AppendCommand("INBOX", "()", $"0{i}-Aug-2024 10:00:00 +0000", $"Subject: qresync {i}\r\n\r\nbody {i}\r\n")),
            "SELECT INBOX", "STORE 2 +FLAGS (\\Deleted)", "EXPUNGE", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", "UNSELECT",
            "SELECT INBOX (QRESYNC ($UIDVALIDITY 1))", "SELECT INBOX (QRESYNC ($UIDVALIDITY 1 1:3))", "SELECT INBOX (QRESYNC (1 1))",
        ]),
        new("namespace-id-idle-enable", ["NAMESPACE", "ID", "IDLE", "ENABLE"],
        [
            "ID NIL", Login, "NAMESPACE", "ID (\"name\" \"conformance\")", "ENABLE CONDSTORE", "ENABLE CONDSTORE", "ENABLE BOGUS", "ENABLE", "IDLE",
            "SELECT INBOX", "IDLE", "CHECK", "NOOP", "LOGOUT",
        ]),
    ];

    /// <summary>"APPEND folder [flags] [date] {n}" + CRLF + octets, with a synchronising literal (RFC 3501 section 6.3.11).</summary>
    public static string AppendCommand(string folder, string? flags, string? date, string message)
    {
        var octets = Encoding.UTF8.GetByteCount(message).ToString(CultureInfo.InvariantCulture);
        return $"APPEND {folder}{(flags is null ? string.Empty : " " + flags)}{(date is null ? string.Empty : $" \"{date}\"")} {{{octets}}}\r\n{message}";
    }
}
