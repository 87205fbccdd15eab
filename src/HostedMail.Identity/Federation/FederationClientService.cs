using System.Collections.Concurrent;
using System.Globalization;
using HostedMail.Core.OAuth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.Federation;

/// <summary>
/// OpenIddict's client service with registrations made on the fly from the tenants' providers:
/// registration <c>tenant-{id}</c> is the tenant's provider as stored now. OpenIddict's own
/// registrations are fixed at start; tenants change theirs at any time.
/// </summary>
internal sealed class FederationClientService(IServiceProvider provider) : OpenIddictClientService(provider)
{
    // Implementation notes:
    // - A registration is kept while the tenant's row is unchanged (updated_at), so OpenIddict's
    //   configuration manager caches the provider's discovery document and keys between sign-ins;
    //   a changed row makes a new registration.
    // - Lookups by issuer are refused: two tenants may use the same provider (one Google, many
    //   tenants), so an issuer names no tenant. The state token carries the registration id.
    public const string RegistrationPrefix = "tenant-";

    private readonly IServiceProvider _services = provider;
    private readonly ConcurrentDictionary<long, (DateTimeOffset UpdatedAt, OpenIddictClientRegistration Registration)> _registrations = new();

    public static string RegistrationId(long tenantId) => RegistrationPrefix + tenantId.ToString(CultureInfo.InvariantCulture);

    public static long? TenantOf(string? registrationId) =>
        registrationId is not null && registrationId.StartsWith(RegistrationPrefix, StringComparison.Ordinal)
        && long.TryParse(registrationId.AsSpan(RegistrationPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    public override async ValueTask<OpenIddictClientRegistration> GetClientRegistrationByIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var tenantId = TenantOf(identifier) ?? throw new InvalidOperationException("unknown client registration " + identifier);
        var stored = await _services.GetRequiredService<ITenantIdentityProviderStore>().GetAsync(tenantId, cancellationToken)
            ?? throw new InvalidOperationException("the tenant has no identity provider");
        if (_registrations.TryGetValue(tenantId, out var cached) && cached.UpdatedAt == stored.UpdatedAt)
        {
            return cached.Registration;
        }

        var registration = Build(stored, _services.GetRequiredService<TenantFederationService>());
        _registrations[tenantId] = (stored.UpdatedAt, registration);
        return registration;
    }

    public override ValueTask<OpenIddictClientRegistration> GetClientRegistrationByIssuerAsync(Uri uri, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("federation registrations are found by id, never by issuer");

    public override ValueTask<OpenIddictClientRegistration> GetClientRegistrationByProviderNameAsync(string name, CancellationToken cancellationToken = default) =>
        GetClientRegistrationByIdAsync(name, cancellationToken);

    private OpenIddictClientRegistration Build(TenantIdentityProvider stored, TenantFederationService federation)
    {
        var issuer = new Uri(stored.Issuer, UriKind.Absolute);
        // OIDC Discovery section 4: the issuer, without a trailing "/", then the well-known path.
        var configuration = new Uri(stored.Issuer.TrimEnd('/') + "/.well-known/openid-configuration", UriKind.Absolute);
        var registration = new OpenIddictClientRegistration
        {
            RegistrationId = RegistrationId(stored.TenantId),
            ProviderName = RegistrationId(stored.TenantId),
            ProviderDisplayName = stored.DisplayName,
            Issuer = issuer,
            ClientId = stored.ClientId,
            ClientSecret = federation.UnprotectSecret(stored),
            // What OpenIddict's post-configuration would infer for a static registration with a secret.
            ClientType = ClientTypes.Confidential,
            RedirectUri = federation.RedirectUri,
            ConfigurationEndpoint = configuration,
            Scopes = { Scopes.OpenId, Scopes.Email, Scopes.Profile },
        };
        registration.ConfigurationManager = new ConfigurationManager<OpenIddictConfiguration>(configuration.AbsoluteUri, new OpenIddictClientRetriever(this, registration))
        {
            AutomaticRefreshInterval = ConfigurationManager<OpenIddictConfiguration>.DefaultAutomaticRefreshInterval,
            RefreshInterval = ConfigurationManager<OpenIddictConfiguration>.DefaultRefreshInterval,
        };
        return registration;
    }
}
