using Microsoft.Extensions.Configuration;

namespace HostedMail.Identity.OAuth.Registration;

/// <summary>The <c>OAuth:Registration</c> section: dynamic client registration (RFC 7591, docs/oauth.md).</summary>
public sealed class ClientRegistrationOptions
{
    public const string RegisterPath = "/connect/register";

    /// <summary>Whether <c>/connect/register</c> accepts registrations (and discovery names it).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Registrations per client address (IPv6 by /64) per hour, counted cluster-wide; refused ones count too.</summary>
    public int PerHour { get; init; } = 20;

    public static ClientRegistrationOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("OAuth:Registration");
        var defaults = new ClientRegistrationOptions();
        return new ClientRegistrationOptions
        {
            Enabled = section.GetValue("Enabled", defaults.Enabled),
            PerHour = Math.Max(1, section.GetValue("PerHour", defaults.PerHour)),
        };
    }
}
