using System.Globalization;
using HostedMail.Core.Audit;

namespace HostedMail.Portal.Endpoints;

/// <summary>The audit log's query parameters, checked: a bad one is named in a 400, never ignored.</summary>
internal static class AuditFilters
{
    public const int MaximumTextLength = 200;

    public static bool TryCreate(string? action, string? actor, string? target, string? since, string? until, out AuditFilter filter, out Dictionary<string, string> errors)
    {
        errors = [];
        var parsed = new AuditFilter(Text("action", action, errors), Text("actor", actor, errors), Text("target", target, errors),
            Instant("since", since, errors), Instant("until", until, errors));
        if (parsed is { Since: { } from, Until: { } to } && to <= from)
        {
            errors["until"] = "until must be later than since";
        }

        filter = parsed;
        return errors.Count == 0;
    }

    // Blank means "any", as an empty search box does.
    private static string? Text(string name, string? value, Dictionary<string, string> errors)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.Length > MaximumTextLength || text.Any(char.IsControl))
        {
            errors[name] = $"{name} must be at most {MaximumTextLength} characters without control characters";
            return null;
        }

        return text;
    }

    // An instant with its offset (2026-11-23T12:00:00Z, ...+01:00) or a date, taken as midnight UTC.
    private static DateTimeOffset? Instant(string name, string? value, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        errors[name] = $"{name} must be an ISO 8601 date or instant, e.g. 2026-11-23 or 2026-11-23T12:00:00Z";
        return null;
    }
}
