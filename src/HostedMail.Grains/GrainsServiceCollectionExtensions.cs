using HostedMail.Core.Security;
using HostedMail.Grains.Security;
using HostedMail.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Grains;

/// <summary>Registers what the grains need and the Core services implemented over them.</summary>
public static class GrainsServiceCollectionExtensions
{
    public static IServiceCollection AddHostedMailGrains(this IServiceCollection services, AuthPenaltyOptions? penalties = null)
    {
        services.AddSingleton(penalties ?? new AuthPenaltyOptions());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IAuthenticationLimiter, GrainAuthenticationLimiter>();
        services.AddTenantAndDomainGrains();
        services.AddMailboxCoordination();
        return services;
    }
}
