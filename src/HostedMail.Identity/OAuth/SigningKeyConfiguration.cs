using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace HostedMail.Identity.OAuth;

/// <summary>Hands the shared keys (<see cref="SigningKeyRing"/>) to OpenIddict, before its own post-configuration checks them.</summary>
internal sealed class SigningKeyConfiguration(SigningKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        // Options are built once, on the first request that needs them; the keys must be there
        // then, and options cannot be configured asynchronously.
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
