using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Rotates the signing key in a running node: OpenIddict reads its options once and keeps them,
/// so when the rotation period changes, the first request after it drops the cached options and
/// OpenIddict builds them again (<see cref="SigningKeyConfiguration"/>): new tokens are signed with
/// the new period's key, which every node already publishes and accepts as "the next" one, and the
/// previous keys stay in the JWKS and accepted until their tokens have expired.
/// </summary>
/// <remarks>
/// A startup filter, so the check runs before authentication, where OpenIddict handles its
/// endpoints. Two requests may both drop the options at the boundary; that costs one more build.
/// </remarks>
internal sealed class SigningKeyRotation(SigningKeyRing ring, IEnumerable<IConfigureOptions<OpenIddictServerOptions>> configurations, IOptionsMonitorCache<OpenIddictServerOptions> cache)
    : IStartupFilter
{
    private readonly SigningKeyConfiguration? _configuration = configurations.OfType<SigningKeyConfiguration>().FirstOrDefault();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (_configuration is { ServerGeneration: var built } && built != long.MinValue && built != ring.CurrentGeneration())
            {
                cache.TryRemove(Options.DefaultName);
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
