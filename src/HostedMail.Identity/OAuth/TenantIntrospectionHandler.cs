using System.Globalization;
using HostedMail.Core.OAuth;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Who may introspect which token (RFC 7662 section 2.1), in place of OpenIddict's rule that the
/// caller must be the token's audience or presenter: a tenant's confidential (automation) client
/// introspects the access and refresh tokens of its own tenant, whichever client holds them, and
/// gets <c>active: false</c> for any other token, as if it did not exist (section 2.2: the
/// server need not say why). Other callers keep OpenIddict's rule. OpenIddict has already
/// authenticated the caller by its secret (public clients are refused there: section 2.1
/// requires client authentication) and checked that it holds the introspection permission.
/// </summary>
internal sealed class TenantIntrospectionHandler(ITenantOAuthClientStore clients) : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateIntrospectionRequestContext>
{
    private static readonly OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty Default = new();

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ValidateIntrospectionRequestContext>()
            .UseScopedHandler<TenantIntrospectionHandler>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.ValidateIntrospectionRequestContext context)
    {
        var principal = context.GenericTokenPrincipal;
        var client = context.ClientId is { Length: > 0 } id && id.StartsWith(TenantOAuthClientService.ClientIdPrefix, StringComparison.Ordinal)
            ? await clients.FindAsync(id, context.CancellationToken)
            : null;
        if (client is null || principal is null)
        {
            await Default.HandleAsync(context);
            return;
        }

        var sameTenant = principal.GetClaim(OAuthServerOptions.TenantClaim) == client.TenantId.ToString(CultureInfo.InvariantCulture);
        var introspectable = principal.HasTokenType(TokenTypeIdentifiers.AccessToken) || principal.HasTokenType(TokenTypeIdentifiers.RefreshToken);
        if (!sameTenant || !introspectable)
        {
            // Becomes {"active":false} (OpenIddict's NormalizeErrorResponse, RFC 7662 section 2.2).
            context.Reject(Errors.InvalidToken, "The specified token cannot be introspected by this client.");
        }
    }

    /// <summary>
    /// OpenIddict tells a token's scopes only to its audience or presenter; a tenant client that
    /// passed <see cref="TenantIntrospectionHandler"/> is told them too (RFC 7662 section 2.2's <c>scope</c>).
    /// </summary>
    internal sealed class AttachScopes : IOpenIddictServerHandler<OpenIddictServerEvents.HandleIntrospectionRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.HandleIntrospectionRequestContext>()
                .UseSingletonHandler<AttachScopes>()
                .SetOrder(OpenIddictServerHandlers.Introspection.AttachMetadataClaims.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(OpenIddictServerEvents.HandleIntrospectionRequestContext context)
        {
            // Request.ClientId is the caller; context.ClientId is the token's client.
            if (context.Request.ClientId?.StartsWith(TenantOAuthClientService.ClientIdPrefix, StringComparison.Ordinal) == true && context.GenericTokenPrincipal is { } principal)
            {
                context.Scopes.UnionWith(principal.GetScopes());
            }

            return ValueTask.CompletedTask;
        }
    }
}
