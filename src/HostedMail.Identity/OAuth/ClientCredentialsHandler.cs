using System.Globalization;
using System.Security.Claims;
using HostedMail.Core.Accounts;
using HostedMail.Core.OAuth;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// The client credentials grant (RFC 6749 section 4.4) for tenants' confidential clients.
/// OpenIddict has already authenticated the client by its secret and checked its grant and scope
/// permissions; this names the tenant and role the token acts with, from the tenant's record of
/// the client, never from anything in the request.
/// </summary>
internal sealed class ClientCredentialsHandler(ITenantOAuthClientStore clients) : IOpenIddictServerHandler<OpenIddictServerEvents.HandleTokenRequestContext>
{
    public async ValueTask HandleAsync(OpenIddictServerEvents.HandleTokenRequestContext context)
    {
        if (!context.Request.IsClientCredentialsGrantType())
        {
            return;
        }

        var client = context.Request.ClientId is { } id ? await clients.FindAsync(id, context.CancellationToken) : null;
        if (client is null)
        {
            context.Reject(Errors.UnauthorizedClient, "This client belongs to no tenant.");
            return;
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, client.ClientId);
        identity.SetClaim(Claims.Name, client.Name);
        identity.SetClaim(OAuthServerOptions.TenantClaim, client.TenantId.ToString(CultureInfo.InvariantCulture));
        identity.SetClaim(ApiOAuth.KindClaim, ApiOAuth.ClientKind);
        identity.SetClaim(Claims.Role, client.Role.Name());
        // RFC 6749 section 3.3: without a scope parameter the client gets its default, the API.
        identity.SetScopes(ApiOAuth.ApiScope);
        identity.SetResources(ApiOAuth.ApiAudience);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        context.SignIn(new ClaimsPrincipal(identity));
    }
}
