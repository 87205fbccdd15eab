namespace HostedMail.Core.Tenants;

/// <summary>
/// The one rule for tenant names, used by portal sign-up and <c>hostedmail tenant create</c>: a
/// short slug that identifies the tenant (in the CLI's <c>--tenant</c>, in URLs and logs) plus a
/// free display name for people.
/// </summary>
public static class TenantName
{
    public const int MinimumSlugLength = 2;
    public const int MaximumSlugLength = 40;
    public const int MaximumDisplayNameLength = 100;

    /// <summary>The slug as stored (trimmed, lower case), or throws Invalid naming <paramref name="field"/>.</summary>
    public static string NormalizeSlug(string? slug, string field = "tenantName") =>
        SlugProblem(slug) is { } problem ? throw HostedMailException.Invalid(field, problem) : slug!.Trim().ToLowerInvariant();

    /// <summary>What is wrong with a slug, or null when it is fine (compared without case).</summary>
    public static string? SlugProblem(string? slug)
    {
        var clean = (slug ?? string.Empty).Trim().ToLowerInvariant();
        if (clean.Length == 0)
        {
            return "tenant name must not be empty";
        }

        // A purely numeric name would be ambiguous with a tenant id wherever a tenant is referenced.
        if (clean.All(char.IsAsciiDigit))
        {
            return "tenant name must not be a number";
        }

        var ok = clean.Length is >= MinimumSlugLength and <= MaximumSlugLength
            && char.IsAsciiLetterLower(clean[0]) && clean[^1] != '-'
            && clean.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
        return ok ? null
            : $"tenant name must be a short slug: {MinimumSlugLength} to {MaximumSlugLength} letters, digits and hyphens, starting with a letter (the full name goes in the display name)";
    }

    /// <summary>The display name as stored (trimmed; the slug when none is given), or throws Invalid naming <paramref name="field"/>.</summary>
    public static string NormalizeDisplayName(string? displayName, string slug, string field = "tenantDisplayName") =>
        DisplayNameProblem(displayName) is { } problem ? throw HostedMailException.Invalid(field, problem)
            : string.IsNullOrWhiteSpace(displayName) ? slug : displayName.Trim();

    public static string? DisplayNameProblem(string? displayName) =>
        displayName is not null && (displayName.Trim().Length > MaximumDisplayNameLength || displayName.Any(char.IsControl))
            ? $"tenant display name must be at most {MaximumDisplayNameLength} printable characters"
            : null;
}
