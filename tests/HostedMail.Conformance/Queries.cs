namespace HostedMail.Conformance;

/// <summary>
/// The SEARCH, SORT and THREAD commands compared over the built-in message set: every search key of
/// RFC 3501 section 6.4.4 (and RFC 9051 section 6.4.4), combinations, sequence sets, CHARSET UTF-8
/// with non-ASCII literals; every SORT key of RFC 5256 section 3 and RFC 5957 (DISPLAYFROM,
/// DISPLAYTO) with REVERSE; THREAD ORDEREDSUBJECT and REFERENCES (RFC 5256 section 3).
/// </summary>
public static class Queries
{
    public static IReadOnlyList<string> Search { get; } =
    [
        "SEARCH ALL",
        "SEARCH 1:5",
        "SEARCH 2,4,6:8,*",
        "SEARCH 45:*",
        "SEARCH *:45",
        "SEARCH 1:* NOT 3:*",
        "SEARCH ANSWERED", "SEARCH UNANSWERED",
        "SEARCH DELETED", "SEARCH UNDELETED",
        "SEARCH DRAFT", "SEARCH UNDRAFT",
        "SEARCH FLAGGED", "SEARCH UNFLAGGED",
        "SEARCH SEEN", "SEARCH UNSEEN",
        "SEARCH NEW", "SEARCH OLD", "SEARCH RECENT",
        "SEARCH KEYWORD Project", "SEARCH KEYWORD $Forwarded", "SEARCH KEYWORD $Junk", "SEARCH KEYWORD nosuchkeyword",
        "SEARCH UNKEYWORD Project", "SEARCH KEYWORD project",
        "SEARCH FROM ann", "SEARCH FROM \"Ann Example\"", "SEARCH FROM sender.example", "SEARCH FROM \"smith, john\"",
        "SEARCH FROM Jürgen", "SEARCH FROM MAILER-DAEMON", "SEARCH FROM \"\"",
        "SEARCH TO bob", "SEARCH TO \"Team\"", "SEARCH TO second", "SEARCH TO undisclosed-recipients", "SEARCH TO André",
        "SEARCH CC carol", "SEARCH CC cc3@team.example", "SEARCH BCC hidden",
        "SEARCH SUBJECT plan", "SEARCH SUBJECT \"Re: Project\"", "SEARCH SUBJECT PROJECT", "SEARCH SUBJECT sync", "SEARCH SUBJECT \"weekly sync\"",
        "SEARCH SUBJECT Réunion", "SEARCH SUBJECT münchen", "SEARCH SUBJECT Grüße", "SEARCH SUBJECT dünya", "SEARCH SUBJECT Package", "SEARCH SUBJECT \"not base64\"",
        "SEARCH BODY spring", "SEARCH BODY \"project plan\"", "SEARCH BODY Café", "SEARCH BODY münchen", "SEARCH BODY été", "SEARCH BODY şçğüöı",
        "SEARCH BODY invoice", "SEARCH BODY \"Line 0399\"", "SEARCH BODY budget", "SEARCH BODY html", "SEARCH BODY innermost", "SEARCH BODY VCALENDAR",
        "SEARCH TEXT spring", "SEARCH TEXT \"ann@sender.example\"", "SEARCH TEXT Quarterly", "SEARCH TEXT boundary", "SEARCH TEXT Weekly",
        "SEARCH HEADER Message-ID plan-2", "SEARCH HEADER In-Reply-To \"\"", "SEARCH HEADER References plan-1", "SEARCH HEADER X-Custom-Header \"value two\"",
        "SEARCH HEADER List-Id weekly", "SEARCH HEADER Content-Type multipart", "SEARCH HEADER X-Missing \"\"", "SEARCH HEADER Subject \"\"",
        "SEARCH SENTBEFORE 5-Mar-2024", "SEARCH SENTON 2-Mar-2024", "SEARCH SENTON 7-Mar-2024", "SEARCH SENTSINCE 15-Mar-2024", "SEARCH SENTBEFORE 1-Jan-2000",
        "SEARCH SENTSINCE 1-Apr-2024 SENTBEFORE 10-Apr-2024",
        "SEARCH BEFORE 5-Mar-2024", "SEARCH ON 2-Mar-2024", "SEARCH ON 5-Mar-2024", "SEARCH SINCE 15-Mar-2024", "SEARCH SINCE 1-Apr-2024 BEFORE 12-Apr-2024",
        "SEARCH LARGER 1000", "SEARCH SMALLER 300", "SEARCH LARGER 20000", "SEARCH LARGER 0",
        "SEARCH NOT SEEN", "SEARCH NOT NOT SEEN", "SEARCH OR SEEN FLAGGED", "SEARCH OR FROM ann OR FROM bob FROM carol", "SEARCH NOT OR ANSWERED DRAFT",
        "SEARCH (SEEN FLAGGED) OR DELETED DRAFT", "SEARCH SEEN SUBJECT sync", "SEARCH UNSEEN NOT DELETED LARGER 400",
        "SEARCH UID 1:10", "SEARCH UID 5,7,9:*", "SEARCH NOT UID 1:40",
        "SEARCH CHARSET UTF-8 SUBJECT Grüße", "SEARCH CHARSET UTF-8 FROM Jürgen", "SEARCH CHARSET UTF-8 BODY été", "SEARCH CHARSET UTF-8 TEXT Café",
        "SEARCH CHARSET UTF-8 SUBJECT ✓", "SEARCH CHARSET UTF-8 TO Zoë", "SEARCH CHARSET US-ASCII SUBJECT plan", "SEARCH CHARSET X-UNKNOWN SUBJECT plan",
        "SEARCH CHARSET ISO-8859-1 SUBJECT plan",
        "SEARCH FROOB", "SEARCH SINCE 32-Foo-2024", "SEARCH 0", "SEARCH OR SEEN",
        "UID SEARCH ALL", "UID SEARCH SUBJECT plan",
    ];

    public static IReadOnlyList<string> Sort { get; } =
    [
        "SORT (ARRIVAL) UTF-8 ALL", "SORT (REVERSE ARRIVAL) UTF-8 ALL",
        "SORT (DATE) UTF-8 ALL", "SORT (REVERSE DATE) UTF-8 ALL",
        "SORT (SUBJECT) UTF-8 ALL", "SORT (REVERSE SUBJECT) UTF-8 ALL",
        "SORT (FROM) UTF-8 ALL", "SORT (REVERSE FROM) UTF-8 ALL",
        "SORT (TO) UTF-8 ALL", "SORT (CC) UTF-8 ALL",
        "SORT (SIZE) UTF-8 ALL", "SORT (REVERSE SIZE) UTF-8 ALL",
        "SORT (DISPLAYFROM) UTF-8 ALL", "SORT (DISPLAYTO) UTF-8 ALL", "SORT (REVERSE DISPLAYFROM) UTF-8 ALL",
        "SORT (SUBJECT DATE) UTF-8 ALL", "SORT (FROM REVERSE DATE) UTF-8 ALL", "SORT (CC SIZE) UTF-8 ALL",
        "SORT (SUBJECT) UTF-8 SUBJECT sync", "SORT (DATE) UTF-8 UNSEEN", "SORT (SIZE) US-ASCII LARGER 500",
        "SORT (ARRIVAL) X-UNKNOWN ALL", "SORT (NOSUCHKEY) UTF-8 ALL", "UID SORT (DATE) UTF-8 ALL",
    ];

    public static IReadOnlyList<string> Thread { get; } =
    [
        "THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL",
        "THREAD REFERENCES UTF-8 SUBJECT sync", "THREAD ORDEREDSUBJECT UTF-8 UNDELETED", "THREAD REFERENCES US-ASCII FROM corp",
        "THREAD NOSUCHALGORITHM UTF-8 ALL",
    ];
}
