using HostedMail.Identity.OAuth;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;

namespace HostedMail.Identity.Federation;

/// <summary>
/// The OpenIddict client protects its state tokens (which carry the tenant's registration and where
/// to return) with the node's shared keys, so a sign-in started on one node finishes on any other.
/// </summary>
internal sealed class FederationKeyConfiguration(SigningKeyRing ring) : IConfigureOptions<OpenIddictClientOptions>
{
    public void Configure(OpenIddictClientOptions options)
    {
        // Options are built once and cannot be configured asynchronously (as for the server).
        foreach (var key in ring.LoadAsync(SigningKeyRing.SigningPurpose, CancellationToken.None).GetAwaiter().GetResult())
        {
            options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in ring.LoadAsync(SigningKeyRing.EncryptionPurpose, CancellationToken.None).GetAwaiter().GetResult())
        {
            options.EncryptionCredentials.Add(new EncryptingCredentials(key, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }
}
