using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// OpenIddict's application manager with one change to redirect URI matching: a registered
/// loopback redirect (<c>http://127.0.0.1/</c>, <c>http://[::1]/</c>, <c>http://localhost/</c>)
/// matches the same URI on any port, because a native app listens on whatever port is free
/// (RFC 8252 section 7.3). Everything else must match exactly (RFC 9700 section 4.1.3).
/// </summary>
public sealed class LoopbackRedirectApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store) where TApplication : class
{
    public override async ValueTask<bool> ValidateRedirectUriAsync(TApplication application, string uri, CancellationToken cancellationToken = default)
    {
        if (await base.ValidateRedirectUriAsync(application, uri, cancellationToken))
        {
            return true;
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var requested) || !IsLoopback(requested) || requested.Scheme != Uri.UriSchemeHttp)
        {
            return false;
        }

        foreach (var registered in await GetRedirectUrisAsync(application, cancellationToken))
        {
            if (Uri.TryCreate(registered, UriKind.Absolute, out var candidate) && IsLoopback(candidate) && candidate.Scheme == Uri.UriSchemeHttp
                && candidate.IsDefaultPort
                && string.Equals(candidate.Host, requested.Host, StringComparison.OrdinalIgnoreCase)
                && string.Equals(candidate.PathAndQuery, requested.PathAndQuery, StringComparison.Ordinal)
                && string.IsNullOrEmpty(requested.Fragment))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback && (uri.Host == "localhost" || IPAddress.TryParse(uri.Host.Trim('[', ']'), out _));
}
