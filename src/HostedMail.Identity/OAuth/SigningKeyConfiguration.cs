using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;
using OpenIddict.Core;
using OpenIddict.Server;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Hands the shared keys (<see cref="SigningKeyRing"/>) and the OAuth clock to OpenIddict's server
/// (tokens) and to its client (the federation's state tokens, so a sign-in started on one node
/// finishes on any other), before their own post-configuration checks them.
/// </summary>
internal sealed class SigningKeyConfiguration(SigningKeyRing ring, OAuthClock clock)
    : IConfigureOptions<OpenIddictServerOptions>, IConfigureOptions<OpenIddictClientOptions>, IConfigureOptions<OpenIddictCoreOptions>
{
    private long _serverGeneration = long.MinValue;

    /// <summary>The rotation period the server's options were last built for.</summary>
    public long ServerGeneration => Interlocked.Read(ref _serverGeneration);

    public void Configure(OpenIddictServerOptions options)
    {
        var generation = ring.CurrentGeneration();
        options.TimeProvider = clock.Time;
        Add(options.SigningCredentials, options.EncryptionCredentials, generation);
        Interlocked.Exchange(ref _serverGeneration, generation);
    }

    public void Configure(OpenIddictClientOptions options) => Add(options.SigningCredentials, options.EncryptionCredentials, ring.CurrentGeneration());

    public void Configure(OpenIddictCoreOptions options) => options.TimeProvider = clock.Time;

    private void Add(List<SigningCredentials> signing, List<EncryptingCredentials> encryption, long generation)
    {
        // Options are built on the first request that needs them (and again after a rotation,
        // SigningKeyRotation); the keys must be there then, and options cannot be configured
        // asynchronously.
        foreach (var key in ring.LoadAsync(SigningKeyRing.SigningPurpose, generation, CancellationToken.None).GetAwaiter().GetResult())
        {
            signing.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in ring.LoadAsync(SigningKeyRing.EncryptionPurpose, generation, CancellationToken.None).GetAwaiter().GetResult())
        {
            encryption.Add(new EncryptingCredentials(key, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }
}
