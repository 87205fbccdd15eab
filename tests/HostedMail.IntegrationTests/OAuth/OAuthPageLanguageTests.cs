using System.Net;
using System.Text.RegularExpressions;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// The node's own OAuth pages speak the reader's language like the portal web app: German when
/// Accept-Language prefers it, English otherwise, with <c>&lt;html lang&gt;</c> to match.
/// </summary>
public sealed partial class OAuthPageLanguageTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    // English words of the pages that must not be left in a German page.
    private static readonly string[] EnglishLeftovers =
    [
        "Sign in", "Password", "Email address", "Allow", "Deny", "wants to", "Use your", "Authentication code",
        "recovery code", "revoke", "Read, send", "Stay signed in", "Wrong", "Use single sign-on", "organisation",
    ];

    private OAuthBrowser Browser(string? acceptLanguage)
    {
        var browser = new OAuthBrowser(node);
        if (acceptLanguage is not null)
        {
            browser.Http.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        }

        return browser;
    }

    private static void AssertGerman(string html)
    {
        Assert.Contains("<html lang=\"de\">", html, StringComparison.Ordinal);
        var visible = Tags().Replace(html, " ");
        foreach (var english in EnglishLeftovers)
        {
            Assert.DoesNotContain(english, visible, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AReaderWhoPrefersGermanGetsTheSignInFailureAndConsentPagesInGerman()
    {
        using var browser = Browser("de-DE,de;q=0.9,en;q=0.8");
        var (_, challenge) = OAuthBrowser.Pkce();
        var response = await browser.Http.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var signIn = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("de", response.Content.Headers.ContentLanguage.Single());
        Assert.Contains("Accept-Language", response.Headers.Vary);
        Assert.Contains("<title>Anmelden · HostedMail</title>", signIn, StringComparison.Ordinal);
        Assert.Contains("<h1>Bei Ihrem Postfach anmelden</h1>", signIn, StringComparison.Ordinal);
        Assert.Contains("<label>Passwort<input name=\"password\"", signIn, StringComparison.Ordinal);
        Assert.Contains("Single Sign-on verwenden", signIn, StringComparison.Ordinal);
        AssertGerman(signIn);

        // A wrong password: the error in German too.
        var fields = OAuthBrowser.Hidden(signIn);
        fields["username"] = "alice@acme.example";
        fields["password"] = "not the password";
        var failed = await browser.Http.PostAsync("connect/login", new FormUrlEncodedContent(fields));
        var failedHtml = await failed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        Assert.Contains("Falsche Adresse oder falsches Passwort.", failedHtml, StringComparison.Ordinal);
        AssertGerman(failedHtml);

        fields = OAuthBrowser.Hidden(failedHtml);
        fields["username"] = "alice@acme.example";
        fields["password"] = MailNode.Password;
        var posted = await browser.Http.PostAsync("connect/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var (status, consent) = await browser.GetAsync(posted.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<h1>Zugriff erlauben?</h1>", consent, StringComparison.Ordinal);
        Assert.Contains("Ihre Mail lesen, senden und abrufen", consent, StringComparison.Ordinal);
        Assert.Contains("möchte Ihr Postfach nutzen: <strong>alice@acme.example</strong>", consent, StringComparison.Ordinal);
        Assert.Contains(">Erlauben</button>", consent, StringComparison.Ordinal);
        AssertGerman(consent);
        // The form still works: the button's value is the protocol's, not the label.
        var location = await browser.SubmitConsentAsync(consent, "connect/authorize", "allow");
        Assert.Contains("code=", location, StringComparison.Ordinal);

        // The connected-apps page names our published client in German too.
        var (_, grants) = await browser.GetAsync("connect/grants");
        Assert.Contains("<h1>Verbundene Apps</h1>", grants, StringComparison.Ordinal);
        Assert.Contains("Mail-Programme (Thunderbird", grants, StringComparison.Ordinal);
        Assert.Contains(">Widerrufen</button>", grants, StringComparison.Ordinal);
        AssertGerman(grants);
    }

    [Fact]
    public async Task ASingleSignOnRefusalIsGermanForAGermanReaderAndEnglishOtherwise()
    {
        // A start link that is not ours (forged or mangled): refused with the reason, in the reader's language.
        using var german = Browser("de");
        var (status, html) = await german.GetAsync("connect/federation/start?request=forged");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Dieser Anmeldelink ist ungültig oder abgelaufen.", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Contains("Single Sign-on fehlgeschlagen", html, StringComparison.Ordinal);
        AssertGerman(html);

        using var english = Browser(null);
        var (_, englishHtml) = await english.GetAsync("connect/federation/start?request=forged");
        Assert.Contains("This sign-in link is invalid or has expired.", englishHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePortalSignInWithItsTwoFactorFieldsAndTheDevicePageAreGermanToo()
    {
        using var browser = Browser("de");
        var (_, challenge) = OAuthBrowser.Pkce();
        var (_, portal) = await browser.GetAsync(PortalApiAccess.AuthorizeUrl(challenge));
        Assert.Contains("<h1>Beim Portal anmelden</h1>", portal, StringComparison.Ordinal);
        Assert.Contains("Bestätigungscode (wenn die Zwei-Faktor-Authentifizierung an ist)", portal, StringComparison.Ordinal);
        Assert.Contains("oder ein Wiederherstellungscode", portal, StringComparison.Ordinal);
        AssertGerman(portal);

        var (_, verify) = await browser.GetAsync("connect/verify");
        Assert.Contains("<html lang=\"de\">", verify, StringComparison.Ordinal);
        Assert.Contains("Anmelden", verify, StringComparison.Ordinal);
        AssertGerman(verify);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("en-GB,en;q=0.9")]
    [InlineData("fr-FR,fr;q=0.9,en;q=0.5")]
    [InlineData("en;q=0.9,de;q=0.8")]
    [InlineData("de;q=0")]
    public async Task AnyOtherReaderGetsEnglish(string? acceptLanguage)
    {
        using var browser = Browser(acceptLanguage);
        var (_, challenge) = OAuthBrowser.Pkce();
        var response = await browser.Http.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("en", response.Content.Headers.ContentLanguage.Single());
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<h1>Sign in to your mailbox</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<label>Password<input name=\"password\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Passwort", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
