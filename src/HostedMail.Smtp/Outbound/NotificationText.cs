using System.Text;
using HostedMail.Mime;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// One recipient to report on: the machine-readable block, and what the person reading the
/// notification needs to understand it (who answered, and whether we gave up after retrying).
/// </summary>
internal sealed record ReportedRecipient(DsnRecipient Dsn, SmtpReply Reply, string? Host, bool FromServer, bool Expired);

/// <summary>
/// The human-readable part and Subject of a delivery status notification (RFC 3464 section 2:
/// the first part of the multipart/report is for people), in English or German: for each
/// recipient its address and the reason in plain words, with the remote server's own answer
/// quoted when there was one. The machine-readable parts never depend on the language.
/// </summary>
internal static class NotificationText
{
    public static (string Subject, string Body) Write(string? language, string hostname, string? originalSubject, IReadOnlyList<ReportedRecipient> recipients)
    {
        var german = language == "de";
        var kind = recipients.Any(r => r.Dsn.Action == DsnAction.Failed) ? DsnAction.Failed
            : recipients.Any(r => r.Dsn.Action == DsnAction.Delayed) ? DsnAction.Delayed
            : DsnAction.Relayed;
        var subject = (kind, german) switch
        {
            (DsnAction.Failed, false) => "Undelivered Mail Returned to Sender",
            (DsnAction.Failed, true) => "Unzustellbare Nachricht an den Absender zurückgeschickt",
            (DsnAction.Delayed, false) => "Delayed Mail (still being retried)",
            (DsnAction.Delayed, true) => "Verzögerte Zustellung (wird weiter versucht)",
            (_, false) => "Successful Mail Delivery Report",
            (_, true) => "Bericht über die erfolgreiche Zustellung",
        };

        var quoted = string.IsNullOrWhiteSpace(originalSubject) ? string.Empty : $" \"{OneLine(originalSubject)}\"";
        var text = new StringBuilder();
        text.Append(german ? $"Dies ist das Mailsystem von {hostname}.\n\n" : $"This is the mail system at {hostname}.\n\n");
        text.Append((kind, german) switch
        {
            (DsnAction.Failed, false) => $"Your message{quoted} could not be delivered to the recipients below. Nothing more will be tried for them. The reason is given for each recipient; the header of your message is attached.\n",
            (DsnAction.Failed, true) => $"Ihre Nachricht{quoted} konnte an die folgenden Empfänger nicht zugestellt werden. Für sie wird es nicht weiter versucht. Der Grund steht bei jedem Empfänger; der Kopf Ihrer Nachricht ist angehängt.\n",
            (DsnAction.Delayed, false) => $"Your message{quoted} has not been delivered yet to the recipients below. The mail system keeps trying; you need not send it again. You will hear from us again only if it finally fails.\n",
            (DsnAction.Delayed, true) => $"Ihre Nachricht{quoted} wurde an die folgenden Empfänger noch nicht zugestellt. Das Mailsystem versucht es weiter; Sie müssen sie nicht erneut senden. Sie hören nur wieder von uns, wenn die Zustellung endgültig scheitert.\n",
            (_, false) => $"Your message{quoted} was delivered to the recipients below, as you asked to be told.\n",
            (_, true) => $"Ihre Nachricht{quoted} wurde an die folgenden Empfänger zugestellt, wie Sie es angefordert haben.\n",
        });

        foreach (var r in recipients)
        {
            text.Append('\n').Append('<').Append(r.Dsn.FinalRecipient).Append(">\n");
            foreach (var line in Reason(r, german))
            {
                text.Append("    ").Append(line).Append('\n');
            }
        }

        if (kind == DsnAction.Failed)
        {
            text.Append(german
                ? "\nPrüfen Sie die Adresse auf Tippfehler. Wenn sie stimmt, wenden Sie sich an den Empfänger auf anderem Weg oder an Ihren Administrator und geben Sie diesen Bericht weiter.\n"
                : "\nCheck the address for typing mistakes. If it is right, reach the recipient another way, or ask your administrator for help and pass on this report.\n");
        }

        return (subject, text.ToString());
    }

    private static IEnumerable<string> Reason(ReportedRecipient r, bool german)
    {
        var domain = r.Dsn.FinalRecipient[(r.Dsn.FinalRecipient.LastIndexOf('@') + 1)..];
        var status = r.Reply.Enhanced;
        if (r.Dsn.Action is DsnAction.Relayed or DsnAction.Delivered)
        {
            yield return r.Dsn.Action == DsnAction.Relayed
                ? (german ? $"Übergeben an {r.Host ?? domain}, der keine Zustellberichte sendet." : $"Handed to {r.Host ?? domain}, which does not send delivery reports.")
                : (german ? "Zugestellt." : "Delivered.");
            yield break;
        }

        if (r.Expired)
        {
            yield return german
                ? "Die Zustellung wurde bis zum Ablauf der Frist immer wieder versucht und wird jetzt aufgegeben."
                : "Delivery was retried until the message's time ran out and has now been given up.";
        }

        if (r.FromServer)
        {
            yield return german
                ? $"Der Mailserver {r.Host}, der E-Mail für {domain} annimmt, hat sie abgelehnt und antwortete:"
                : $"The mail server {r.Host}, which takes mail for {domain}, refused it and answered:";
            yield return OneLine(r.Dsn.DiagnosticCode ?? r.Reply.ToString());
            yield break;
        }

        yield return (status.Subject, status.Detail, german) switch
        {
            (1, 2, false) => $"The domain {domain} does not exist, or it has no mail server in DNS.",
            (1, 2, true) => $"Die Domain {domain} existiert nicht oder hat im DNS keinen Mailserver.",
            (1, 10, false) => $"The domain {domain} accepts no mail at all (it publishes a \"null MX\" record).",
            (1, 10, true) => $"Die Domain {domain} nimmt überhaupt keine E-Mail an (sie veröffentlicht einen „Null-MX“-Eintrag).",
            (4, 3, false) => $"The DNS lookup for the mail servers of {domain} failed: its name servers gave no usable answer.",
            (4, 3, true) => $"Die DNS-Abfrage nach den Mailservern von {domain} ist fehlgeschlagen: ihre Nameserver gaben keine brauchbare Antwort.",
            (7, _, false) => $"No connection to the mail server of {domain} was secure enough: encryption (TLS) is required here but could not be used.",
            (7, _, true) => $"Keine Verbindung zum Mailserver von {domain} war sicher genug: Verschlüsselung (TLS) ist hier nötig, konnte aber nicht genutzt werden.",
            (3, 4, false) => $"The message is larger than the mail server of {domain} accepts.",
            (3, 4, true) => $"Die Nachricht ist größer, als der Mailserver von {domain} annimmt.",
            (6, 7, false) => $"The mail server of {domain} cannot take non-ASCII addresses or headers, which this message needs.",
            (6, 7, true) => $"Der Mailserver von {domain} kann keine Adressen oder Kopfzeilen mit Nicht-ASCII-Zeichen annehmen, die diese Nachricht braucht.",
            (_, _, false) => $"The mail server of {domain} could not be reached.",
            (_, _, true) => $"Der Mailserver von {domain} war nicht erreichbar.",
        };
        yield return (german ? "Einzelheiten: " : "Details: ") + OneLine(r.Dsn.DiagnosticCode ?? string.Join(' ', r.Reply.Lines));
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
