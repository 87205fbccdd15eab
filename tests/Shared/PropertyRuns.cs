using FsCheck;
using Microsoft.FSharp.Core;

namespace HostedMail.Testing.Properties;

/// <summary>
/// FsCheck configuration shared by the property tests (linked into each test project). A run is
/// reproducible by default — CI must not fail on a case no one can replay — from a fixed seed;
/// set HOSTEDMAIL_PROPERTY_SEED=random to explore new cases, or to "seed,gamma" to replay one
/// (FsCheck prints both on failure).
/// </summary>
internal static class PropertyRuns
{
    private const ulong DefaultSeed = 20261122;
    private const ulong DefaultGamma = 1013904243;

    public static Config Config(int maxTest) => WithSeed(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(maxTest));

    private static Config WithSeed(Config config)
    {
        var setting = Environment.GetEnvironmentVariable("HOSTEDMAIL_PROPERTY_SEED");
        if (string.Equals(setting, "random", StringComparison.OrdinalIgnoreCase))
        {
            return config;
        }

        var (seed, gamma) = (DefaultSeed, DefaultGamma);
        var parts = setting?.Split(',');
        if (parts is { Length: 2 } && ulong.TryParse(parts[0], out var s) && ulong.TryParse(parts[1], out var g))
        {
            (seed, gamma) = (s, g);
        }

        return config.WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, gamma | 1), FSharpOption<int>.None)));
    }
}
