using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// The German of the authorization server's pages (<see cref="OAuthPage"/>), like the portal web
/// app's two languages. Keys are the English texts and markup fragments exactly as the pages write
/// them; a text without an entry stays English (data such as addresses is never looked up).
/// </summary>
internal static class OAuthStrings
{
    public const string English = "en";
    public const string German = "de";

    private const string UnverifiedSuffix = " (unverified app)";

    /// <summary>
    /// "de" when the reader's most preferred language (RFC 9110 section 12.5.4, by q-value, the
    /// first among equals) is German, else "en".
    /// </summary>
    public static string Language(StringValues acceptLanguage)
    {
        if (!StringWithQualityHeaderValue.TryParseList(acceptLanguage, out var ranges))
        {
            return English;
        }

        var best = ranges.Select((r, index) => (Tag: r.Value.Value ?? string.Empty, Quality: r.Quality ?? 1, index))
            .Where(r => r.Quality > 0)
            .OrderByDescending(r => r.Quality).ThenBy(r => r.index)
            .Select(r => r.Tag)
            .FirstOrDefault() ?? string.Empty;
        return best.Equals("de", StringComparison.OrdinalIgnoreCase) || best.StartsWith("de-", StringComparison.OrdinalIgnoreCase)
            ? German
            : English;
    }

    public static string Translate(string english, string language)
    {
        if (language != German)
        {
            return english;
        }

        if (GermanTexts.TryGetValue(english, out var german))
        {
            return german;
        }

        // A registered app's name is its own claim, marked as such (ClientRegistrationEndpoints).
        return english.EndsWith(UnverifiedSuffix, StringComparison.Ordinal)
            ? english[..^UnverifiedSuffix.Length] + " (nicht geprüfte App)"
            : english;
    }

    /// <summary>Every English text of the pages and its German; a test renders the pages and looks for leftovers.</summary>
    internal static FrozenDictionary<string, string> GermanTexts { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Titles and headings.
        ["Sign in"] = "Anmelden",
        ["Sign in to your mailbox"] = "Bei Ihrem Postfach anmelden",
        ["Sign in to the portal"] = "Beim Portal anmelden",
        ["Allow access"] = "Zugriff erlauben",
        ["Allow access?"] = "Zugriff erlauben?",
        ["Connect a device"] = "Gerät verbinden",
        ["Device connected"] = "Gerät verbunden",
        ["Error"] = "Fehler",
        ["Something went wrong"] = "Etwas ist schiefgegangen",
        ["Not found"] = "Nicht gefunden",
        ["Connected apps"] = "Verbundene Apps",
        ["Not allowed"] = "Nicht erlaubt",
        ["This app is not allowed"] = "Diese App ist nicht erlaubt",
        ["Approval needed"] = "Freigabe nötig",
        ["An administrator must approve this app"] = "Ein Administrator muss diese App freigeben",

        // Fields and buttons.
        ["Email address"] = "E-Mail-Adresse",
        ["Password"] = "Passwort",
        ["Code"] = "Code",
        ["Continue"] = "Weiter",
        ["Allow"] = "Erlauben",
        ["Deny"] = "Ablehnen",
        ["Revoke"] = "Widerrufen",
        ["Back to the app"] = "Zurück zur App",
        ["<label>Authentication code (if two-factor authentication is on)<input name=\"totp_code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\"></label>\n"] =
            "<label>Bestätigungscode (wenn die Zwei-Faktor-Authentifizierung an ist)<input name=\"totp_code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\"></label>\n",
        ["<label>or a recovery code<input name=\"recovery_code\" type=\"text\" autocomplete=\"off\"></label>\n"] =
            "<label>oder ein Wiederherstellungscode<input name=\"recovery_code\" type=\"text\" autocomplete=\"off\"></label>\n",
        ["\">Use single sign-on</button>\n"] = "\">Single Sign-on verwenden</button>\n",

        // Paragraphs.
        ["Use your mailbox password, not an app password. Single sign-on: give your address only, if your organisation connected its own sign-in service."] =
            "Verwenden Sie das Passwort Ihres Postfachs, kein App-Passwort. Single Sign-on: geben Sie nur Ihre Adresse an, wenn Ihre Organisation ihren eigenen Anmeldedienst verbunden hat.",
        ["Use your HostedMail portal account, not a mailbox password. Single sign-on: give your address only, if your organisation connected its own sign-in service."] =
            "Verwenden Sie Ihr HostedMail-Portalkonto, kein Postfachpasswort. Single Sign-on: geben Sie nur Ihre Adresse an, wenn Ihre Organisation ihren eigenen Anmeldedienst verbunden hat.",
        ["You can revoke this access at any time on /connect/grants, by changing your password or in the portal."] =
            "Sie können diesen Zugriff jederzeit unter /connect/grants, durch eine Passwortänderung oder im Portal widerrufen.",
        ["You can close this page and return to your device."] = "Sie können diese Seite schließen und zu Ihrem Gerät zurückkehren.",
        ["Enter the code your device shows."] = "Geben Sie den Code ein, den Ihr Gerät anzeigt.",
        ["No app has access."] = "Keine App hat Zugriff.",
        ["Access revoked."] = "Zugriff widerrufen.",
        ["Ask them if you need it, or use another mail app."] = "Fragen Sie sie, wenn Sie die App brauchen, oder verwenden Sie eine andere Mail-App.",
        ["Your request has been recorded. Ask an administrator of your organisation to approve it in the portal, then sign in from the app again."] =
            "Ihre Anfrage wurde vermerkt. Bitten Sie einen Administrator Ihrer Organisation, sie im Portal freizugeben, und melden Sie sich dann erneut aus der App an.",

        // Fragments around data.
        ["</strong> wants to act in the portal as <strong>"] = "</strong> möchte im Portal handeln als <strong>",
        ["</strong> wants to use your mailbox <strong>"] = "</strong> möchte Ihr Postfach nutzen: <strong>",
        ["<p>A device using <strong>"] = "<p>Ein Gerät mit <strong>",
        ["<p class=\"muted\">Only allow this if you started it and your device shows the code <code>"] =
            "<p class=\"muted\">Erlauben Sie dies nur, wenn Sie es selbst gestartet haben und Ihr Gerät den Code <code>",
        ["</code>.</p>\n"] = "</code> anzeigt.</p>\n",
        ["<p>Apps that can use <strong>"] = "<p>Apps, die <strong>",
        ["</strong> with OAuth. Revoking one signs it out at once; it must ask you again.</p>\n"] =
            "</strong> über OAuth nutzen dürfen. Wer widerruft, meldet die App sofort ab; sie muss Sie erneut fragen.</p>\n",
        [" · allowed "] = " · erlaubt ",
        [" · last used "] = " · zuletzt genutzt ",
        ["\">Back to your connected apps</a></p>\n"] = "\">Zurück zu Ihren verbundenen Apps</a></p>\n",
        ["<p>Your organisation's administrators have not allowed <strong>"] = "<p>Die Administratoren Ihrer Organisation haben <strong>",
        ["</strong> to use mailboxes of your organisation.</p>\n"] = "</strong> nicht erlaubt, Postfächer Ihrer Organisation zu nutzen.</p>\n",
        ["</strong> registered itself with this service, and your organisation requires an administrator to approve such apps before they can use its mailboxes.</p>\n"] =
            "</strong> hat sich selbst bei diesem Dienst registriert, und Ihre Organisation verlangt, dass ein Administrator solche Apps freigibt, bevor sie ihre Postfächer nutzen.</p>\n",

        // Scopes and our own clients.
        ["Read, send and fetch your mail (IMAP, SMTP, POP3)"] = "Ihre Mail lesen, senden und abrufen (IMAP, SMTP, POP3)",
        ["Manage your tenant through the portal API, with your role"] = "Ihren Mandanten über die Portal-API verwalten, mit Ihrer Rolle",
        ["Stay signed in (refresh tokens) until you revoke it"] = "Angemeldet bleiben (Refresh-Tokens), bis Sie es widerrufen",
        ["Mail clients (Thunderbird, K-9, FairEmail, Apple Mail, Outlook)"] = "Mail-Programme (Thunderbird, K-9, FairEmail, Apple Mail, Outlook)",
        ["HostedMail API tools"] = "HostedMail-API-Werkzeuge",

        // Errors.
        ["Wrong address or password."] = "Falsche Adresse oder falsches Passwort.",
        ["Wrong email or password."] = "Falsche E-Mail-Adresse oder falsches Passwort.",
        ["Too many failed sign-ins. Try again later."] = "Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es später noch einmal.",
        ["Enter the code from your authenticator app, or a recovery code."] = "Geben Sie den Code aus Ihrer Authenticator-App oder einen Wiederherstellungscode ein.",
        ["The code is wrong, expired or already used."] = "Der Code ist falsch, abgelaufen oder wurde schon verwendet.",
        ["Confirm your address with the mailed link first."] = "Bestätigen Sie zuerst Ihre Adresse mit dem zugesandten Link.",
        ["That code is not valid or has expired."] = "Dieser Code ist ungültig oder abgelaufen.",
        ["The form expired. Enter the code again."] = "Das Formular ist abgelaufen. Geben Sie den Code erneut ein.",
        ["The form expired. Open the page again."] = "Das Formular ist abgelaufen. Öffnen Sie die Seite erneut.",
        ["The form expired. Start the sign-in again from your mail client."] = "Das Formular ist abgelaufen. Starten Sie die Anmeldung erneut in Ihrem Mail-Programm.",
        ["The form expired. Start the sign-in again from your application."] = "Das Formular ist abgelaufen. Starten Sie die Anmeldung erneut in Ihrer Anwendung.",
        ["Expected a form."] = "Es wurde ein Formular erwartet.",
        ["Invalid return address."] = "Ungültige Rücksprungadresse.",
        ["Portal accounts cannot sign in on this node."] = "Portalkonten können sich auf diesem Knoten nicht anmelden.",
        ["That access does not exist or was already revoked."] = "Diesen Zugriff gibt es nicht, oder er wurde schon widerrufen.",

        // Single sign-on (Federation/FederationPages.cs).
        ["Single sign-on"] = "Single Sign-on",
        ["Single sign-on failed"] = "Single Sign-on fehlgeschlagen",
        ["Your organisation signs you in on its own page, then sends you back here."] = "Ihre Organisation meldet Sie auf ihrer eigenen Seite an und schickt Sie dann hierher zurück.",
        ["No single sign-on is set up for that address's domain. Go back and sign in with your password."] =
            "Für die Domain dieser Adresse ist kein Single Sign-on eingerichtet. Gehen Sie zurück und melden Sie sich mit Ihrem Passwort an.",
        ["This sign-in link is invalid or has expired. Go back to the portal and press \"Use single sign-on\" again."] =
            "Dieser Anmeldelink ist ungültig oder abgelaufen. Gehen Sie zurück zum Portal und wählen Sie erneut „Single Sign-on verwenden“.",
        ["Your organisation's sign-in service could not be reached or is set up wrongly. Ask your administrator."] =
            "Der Anmeldedienst Ihrer Organisation ist nicht erreichbar oder falsch eingerichtet. Wenden Sie sich an Ihre Administration.",
        ["The sign-in with your organisation did not complete: it was refused, expired or not started here. Start again from your application."] =
            "Die Anmeldung bei Ihrer Organisation wurde nicht abgeschlossen: Sie wurde abgelehnt, ist abgelaufen oder wurde nicht hier begonnen. Beginnen Sie erneut in Ihrer Anwendung.",
        ["The sign-in with your organisation did not complete. Start again from your application."] =
            "Die Anmeldung bei Ihrer Organisation wurde nicht abgeschlossen. Beginnen Sie erneut in Ihrer Anwendung.",
        ["Your organisation's sign-in did not confirm a verified email address."] = "Die Anmeldung Ihrer Organisation hat keine bestätigte E-Mail-Adresse genannt.",
        ["That address is not in a verified domain of your organisation."] = "Diese Adresse gehört zu keiner bestätigten Domain Ihrer Organisation.",
        ["There is no portal account with that address in your organisation."] = "In Ihrer Organisation gibt es kein Portalkonto mit dieser Adresse.",
        ["Your organisation's account is suspended, so the portal cannot be signed in to now. Ask your administrator."] =
            "Das Konto Ihrer Organisation ist gesperrt; im Portal kann man sich derzeit nicht anmelden. Wenden Sie sich an Ihre Administration.",
        ["There is no mailbox with that address in your organisation, or it cannot sign in."] =
            "In Ihrer Organisation gibt es kein Postfach mit dieser Adresse, oder es kann sich nicht anmelden.",
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
