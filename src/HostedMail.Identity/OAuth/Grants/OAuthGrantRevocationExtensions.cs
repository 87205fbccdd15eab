using HostedMail.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Identity.OAuth;

/// <summary>Grant revocation without the authorization server, for processes that change mailboxes but serve no OAuth (the CLI).</summary>
public static class OAuthGrantRevocationExtensions
{
    /// <summary>
    /// Registers <see cref="IOAuthGrantRevoker"/> over the <c>oauth</c> schema (OpenIddict's core
    /// managers and the grant ledger), so a password set or a mailbox deleted by the operator ends
    /// its OAuth grants like the same change in the portal.
    /// </summary>
    public static IServiceCollection AddHostedMailOAuthGrantRevocation(this IServiceCollection services, string connectionString)
    {
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddDbContext<OAuthDbContext>(db =>
        {
            db.UseNpgsql(connectionString);
            db.UseOpenIddict();
        });
        services.AddDbContext<OAuthRecordsDbContext>(db => db.UseNpgsql(connectionString));
        services.AddOpenIddict().AddCore(core => core.UseEntityFrameworkCore().UseDbContext<OAuthDbContext>());
        services.AddScoped<Grants.OAuthGrants>();
        services.AddSingleton<IOAuthGrantRevoker, Grants.OAuthGrantRevoker>();
        return services;
    }
}
