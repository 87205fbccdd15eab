using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;
using OpenIddict.Server;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Hands the shared keys (<see cref="SigningKeyRing"/>) to OpenIddict's server (tokens) and to its
/// client (the federation's state tokens, so a sign-in started on one node finishes on any other),
/// before their own post-configuration checks them.
/// </summary>
internal sealed class SigningKeyConfiguration(SigningKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>, IConfigureOptions<OpenIddictClientOptions>
{
    public void Configure(OpenIddictServerOptions options) => Add(options.SigningCredentials, options.EncryptionCredentials);

    public void Configure(OpenIddictClientOptions options) => Add(options.SigningCredentials, options.EncryptionCredentials);

    private void Add(List<SigningCredentials> signing, List<EncryptingCredentials> encryption)
    {
        // Options are built once, on the first request that needs them; the keys must be there
        // then, and options cannot be configured asynchronously.
        foreach (var key in ring.LoadAsync(SigningKeyRing.SigningPurpose, CancellationToken.None).GetAwaiter().GetResult())
        {
            signing.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in ring.LoadAsync(SigningKeyRing.EncryptionPurpose, CancellationToken.None).GetAwaiter().GetResult())
        {
            encryption.Add(new EncryptingCredentials(key, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }
}
