using System.Net;
using System.Text;

namespace HostedMail.Mime;

/// <summary>Extracts searchable text from a message: decoded text parts, HTML reduced to text, nested messages included.</summary>
public static class TextExtraction
{
    /// <summary>Returns the decoded text of every text/* part that is not an attachment (HTML stripped of markup), joined by newlines; stops after <paramref name="maxChars"/>.</summary>
    public static string ExtractText(MimeMessage message, int maxChars = 1 << 20)
    {
        var sb = new StringBuilder();
        foreach (MimeEntity e in message.Entities)
        {
            if (sb.Length >= maxChars)
            {
                break;
            }

            if (e.IsMultipart || e.Message is not null || !e.ContentType.IsText || (e.IsAttachment && e.ContentDisposition?.IsAttachment == true))
            {
                continue;
            }

            string text = e.GetText();
            if (e.ContentType.MediaSubtype.Equals("html", StringComparison.OrdinalIgnoreCase))
            {
                text = HtmlToText(text);
            }

            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            sb.Append(text.AsSpan(0, Math.Min(text.Length, maxChars - sb.Length)));
        }

        return sb.ToString();
    }

    /// <summary>Drops tags, scripts, styles and comments and decodes entities; good enough for indexing, not for display.</summary>
    public static string HtmlToText(string html)
    {
        var sb = new StringBuilder(html.Length / 2);
        int i = 0;
        while (i < html.Length)
        {
            char c = html[i];
            if (c != '<')
            {
                int lt = html.IndexOf('<', i);
                int end = lt < 0 ? html.Length : lt;
                sb.Append(html, i, end - i);
                i = end;
                continue;
            }

            if (string.CompareOrdinal(html, i, "<!--", 0, 4) == 0)
            {
                int close = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                i = close < 0 ? html.Length : close + 3;
                continue;
            }

            string? skipTo = StartsWithTag(html, i, "script") ? "</script" : StartsWithTag(html, i, "style") ? "</style" : null;
            if (skipTo is not null)
            {
                int close = html.IndexOf(skipTo, i, StringComparison.OrdinalIgnoreCase);
                i = close < 0 ? html.Length : close;
            }

            int gt = html.IndexOf('>', i);
            i = gt < 0 ? html.Length : gt + 1;
            sb.Append(' ');
        }

        return WebUtility.HtmlDecode(sb.ToString());
    }

    private static bool StartsWithTag(string html, int i, string tag) =>
        i + 1 + tag.Length <= html.Length && string.Compare(html, i + 1, tag, 0, tag.Length, StringComparison.OrdinalIgnoreCase) == 0;
}
