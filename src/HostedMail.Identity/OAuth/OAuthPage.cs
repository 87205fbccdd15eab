using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Server-rendered HTML for the sign-in, consent and device pages: plain forms that work without
/// JavaScript, under the node's strict CSP (no inline script or style: the look comes from
/// <see cref="StylesheetPath"/>). Pages are written in English; when the request's
/// Accept-Language prefers German the page is rendered in German (<see cref="OAuthStrings"/>):
/// headings, paragraphs, errors, labels, buttons, list items and the markup fragments are looked
/// up, data (<see cref="Text"/>: addresses, app names, codes) never is.
/// </summary>
public sealed class OAuthPage(string title)
{
    public const string StylesheetPath = "/connect/oauth.css";

    /// <summary>
    /// HttpContext.Items key the node's CSP (Portal's WebApp) reads: extra <c>form-action</c>
    /// sources for this response. A consent form is answered by a redirect to the client, and
    /// browsers apply form-action to that redirect (CSP Level 3, section 6.3.1).
    /// </summary>
    public const string FormActionSourcesItem = "HostedMail.Csp.FormAction";

    /// <summary>The CSP source that allows a redirect to <paramref name="redirectUri"/>: its origin, or its scheme for a custom-scheme URI.</summary>
    public static string? FormActionSource(string? redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri))
        {
            return null;
        }

        if (uri.Scheme is "http" or "https")
        {
            return uri.GetLeftPart(UriPartial.Authority);
        }

        // A custom scheme (RFC 8252 section 7.1): letters, digits, "+", "-", "." only.
        return uri.Scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? uri.Scheme + ":" : null;
    }

    // The body as written: markup fragments, words to translate and data, rendered per request.
    private readonly List<(string Value, Segment Kind)> _body = [];

    private enum Segment
    {
        Markup,
        Words,
        Data,
    }

    internal OAuthPage Heading(string text) => Raw("<h1>").Ui(text).Raw("</h1>\n");

    internal OAuthPage Paragraph(string text, string? cssClass = null) =>
        Raw(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Ui(text).Raw("</p>\n");

    internal OAuthPage Error(string? text) => text is null ? this : Raw("<p class=\"error\" role=\"alert\">").Ui(text).Raw("</p>\n");

    internal OAuthPage FormStart(string action, string method, string csrfToken)
    {
        Raw("<form method=\"").Text(method).Raw("\" action=\"").Text(action).Raw("\">\n");
        return method == "post" ? Hidden("csrf", csrfToken) : this;
    }

    internal OAuthPage FormEnd() => Raw("</form>\n");

    internal OAuthPage Hidden(string name, string? value) =>
        Raw("<input type=\"hidden\" name=\"").Text(name).Raw("\" value=\"").Text(value ?? string.Empty).Raw("\">\n");

    internal OAuthPage Field(string label, string name, string type, string? value = null, string? autocomplete = null, bool autofocus = false)
    {
        Raw("<label>").Ui(label).Raw("<input name=\"").Text(name).Raw("\" type=\"").Text(type).Raw("\"");
        if (value is not null)
        {
            Raw(" value=\"").Text(value).Raw("\"");
        }

        if (autocomplete is not null)
        {
            Raw(" autocomplete=\"").Text(autocomplete).Raw("\"");
        }

        return Raw(autofocus ? " autofocus required></label>\n" : " required></label>\n");
    }

    internal OAuthPage Button(string text, string? name = null, string? value = null, bool secondary = false)
    {
        Raw(secondary ? "<button class=\"secondary\" type=\"submit\"" : "<button type=\"submit\"");
        if (name is not null)
        {
            Raw(" name=\"").Text(name).Raw("\" value=\"").Text(value ?? string.Empty).Raw("\"");
        }

        return Raw(">").Ui(text).Raw("</button>\n");
    }

    internal OAuthPage List(IEnumerable<string> items)
    {
        Raw("<ul>\n");
        foreach (var item in items)
        {
            Raw("<li>").Ui(item).Raw("</li>\n");
        }

        return Raw("</ul>\n");
    }

    /// <summary>Markup as is; in German, a fragment that holds English words is replaced by its translation.</summary>
    internal OAuthPage Raw(string html)
    {
        _body.Add((html, Segment.Markup));
        return this;
    }

    /// <summary>Data (an address, an app's name, a code): encoded, never translated.</summary>
    internal OAuthPage Text(string text)
    {
        _body.Add((text, Segment.Data));
        return this;
    }

    /// <summary>Words of the page: encoded, and translated when the reader prefers German.</summary>
    internal OAuthPage Ui(string text)
    {
        _body.Add((text, Segment.Words));
        return this;
    }

    internal IResult Result(int statusCode = StatusCodes.Status200OK) => new PageResult(this, statusCode);

    /// <summary>The page in <paramref name="language"/> ("en" or "de").</summary>
    internal string Render(string language)
    {
        var html = new StringBuilder("<!doctype html>\n<html lang=\"").Append(language).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
            .Append(HtmlEncoder.Default.Encode(OAuthStrings.Translate(title, language))).Append(" · HostedMail</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"").Append(StylesheetPath).Append("\">\n</head>\n<body>\n<main class=\"card\">\n<p class=\"brand\">HostedMail</p>\n");
        foreach (var (value, kind) in _body)
        {
            html.Append(kind switch
            {
                Segment.Markup => OAuthStrings.Translate(value, language),
                Segment.Words => HtmlEncoder.Default.Encode(OAuthStrings.Translate(value, language)),
                _ => HtmlEncoder.Default.Encode(value),
            });
        }

        return html.Append("</main>\n</body>\n</html>\n").ToString();
    }

    private sealed class PageResult(OAuthPage page, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var language = OAuthStrings.Language(httpContext.Request.Headers.AcceptLanguage);
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "text/html; charset=utf-8";
            // A sign-in or consent page is never cached (RFC 9111 section 5.2.2.5); it depends on
            // the reader's language (RFC 9110 sections 12.5.4 and 8.5).
            response.Headers.CacheControl = "no-store";
            response.Headers.Vary = "Accept-Language";
            response.Headers.ContentLanguage = language;
            return response.WriteAsync(page.Render(language));
        }
    }

    /// <summary>The look of the portal: system font, one centred card, the portal's blue.</summary>
    public const string Stylesheet = """
        :root { color-scheme: light dark; --accent: #2563eb; --bg: #f4f6fb; --card: #fff; --text: #1f2937; --muted: #6b7280; --border: #d1d5db; --error: #b91c1c; }
        @media (prefers-color-scheme: dark) { :root { --bg: #0f172a; --card: #1e293b; --text: #e5e7eb; --muted: #9ca3af; --border: #334155; --error: #f87171; } }
        * { box-sizing: border-box; }
        body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        .card { width: min(26rem, calc(100vw - 2rem)); background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: 2rem; box-shadow: 0 4px 24px rgb(0 0 0 / 8%); }
        .brand { margin: 0 0 1rem; font-weight: 700; color: var(--accent); letter-spacing: .02em; }
        h1 { font-size: 1.35rem; margin: 0 0 1rem; }
        label { display: block; margin: 0 0 1rem; font-weight: 600; font-size: .9rem; }
        input { display: block; width: 100%; margin-top: .35rem; padding: .6rem .75rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 8px; }
        input:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
        button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin: .25rem .5rem .25rem 0; }
        button.secondary { background: transparent; color: var(--text); border-color: var(--border); }
        .error { color: var(--error); font-weight: 600; }
        .muted { color: var(--muted); font-size: .9rem; }
        ul { padding-left: 1.2rem; }
        code { font-size: 1.2rem; letter-spacing: .1em; }
        """;
}
