namespace HostedMail.MailAuth.Dkim;

/// <summary>Parses DKIM tag=value lists (RFC 6376 section 3.2): duplicate tags and malformed specs are errors.</summary>
internal static class DkimTagList
{
    public static bool TryParse(string text, out Dictionary<string, string> tags, out string error)
    {
        tags = new Dictionary<string, string>(StringComparer.Ordinal);
        error = string.Empty;
        var specs = text.Split(';');
        for (var i = 0; i < specs.Length; i++)
        {
            var spec = specs[i];
            if (spec.Trim(' ', '\t', '\r', '\n').Length == 0)
            {
                // A trailing ";" is allowed; an empty spec in the middle is tolerated as dkimpy and OpenDKIM do.
                continue;
            }

            var eq = spec.IndexOf('=');
            if (eq < 0)
            {
                error = $"tag without '=': '{spec.Trim()}'";
                return false;
            }

            var name = spec[..eq].Trim(' ', '\t', '\r', '\n');
            // tag-name = ALPHA *ALNUMPUNC (ALNUMPUNC = ALPHA / DIGIT / "_"); names are case-sensitive.
            if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                error = $"invalid tag name '{name}'";
                return false;
            }

            if (tags.ContainsKey(name))
            {
                // Section 3.2: "Tags with duplicate names MUST NOT occur"; the whole list is invalid.
                error = $"duplicate tag '{name}'";
                return false;
            }

            tags[name] = spec[(eq + 1)..].Trim(' ', '\t', '\r', '\n');
        }

        return true;
    }

    /// <summary>Removes folding whitespace, for values such as b=, bh= and p= where it carries no meaning.</summary>
    public static string StripWhitespace(string value) =>
        string.Concat(value.Where(c => c is not (' ' or '\t' or '\r' or '\n')));
}
