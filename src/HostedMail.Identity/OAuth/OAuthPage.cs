using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Server-rendered HTML for the sign-in, consent and device pages: plain forms that work without
/// JavaScript, under the node's strict CSP (no inline script or style: the look comes from
/// <see cref="StylesheetPath"/>).
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

    private readonly StringBuilder _body = new();

    internal OAuthPage Heading(string text) => Raw("<h1>").Text(text).Raw("</h1>\n");

    internal OAuthPage Paragraph(string text, string? cssClass = null) =>
        Raw(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Text(text).Raw("</p>\n");

    internal OAuthPage Error(string? text) => text is null ? this : Raw("<p class=\"error\" role=\"alert\">").Text(text).Raw("</p>\n");

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
        Raw("<label>").Text(label).Raw("<input name=\"").Text(name).Raw("\" type=\"").Text(type).Raw("\"");
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

        return Raw(">").Text(text).Raw("</button>\n");
    }

    internal OAuthPage List(IEnumerable<string> items)
    {
        Raw("<ul>\n");
        foreach (var item in items)
        {
            Raw("<li>").Text(item).Raw("</li>\n");
        }

        return Raw("</ul>\n");
    }

    internal OAuthPage Raw(string html)
    {
        _body.Append(html);
        return this;
    }

    internal OAuthPage Text(string text)
    {
        _body.Append(HtmlEncoder.Default.Encode(text));
        return this;
    }

    internal IResult Result(int statusCode = StatusCodes.Status200OK) =>
        new PageResult("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
            "<title>" + HtmlEncoder.Default.Encode(title) + " · HostedMail</title>\n<link rel=\"stylesheet\" href=\"" + StylesheetPath + "\">\n</head>\n" +
            "<body>\n<main class=\"card\">\n<p class=\"brand\">HostedMail</p>\n" + _body + "</main>\n</body>\n</html>\n", statusCode);

    private sealed class PageResult(string html, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "text/html; charset=utf-8";
            // A sign-in or consent page is never cached (RFC 9111 section 5.2.2.5).
            response.Headers.CacheControl = "no-store";
            return response.WriteAsync(html);
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
