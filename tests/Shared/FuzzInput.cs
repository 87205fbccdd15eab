namespace HostedMail.Testing.Properties;

/// <summary>
/// Seeded input for the fuzz tests (linked into each test project that fuzzes): random bytes and
/// mutations of valid samples. CI replays the fixed seed; HOSTEDMAIL_FUZZ_SEED explores others.
/// </summary>
internal static class FuzzInput
{
    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("HOSTEDMAIL_FUZZ_SEED"), out var seed) ? seed : 20261205;

    /// <summary>Up to <paramref name="maxLength"/> random bytes.</summary>
    public static byte[] RandomBytes(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(0, maxLength)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// One to five edits of a valid sample: a byte replaced (by a random one or one of
    /// <paramref name="specials"/>, the grammar's delimiters), inserted or removed, a run
    /// repeated, or the rest cut off — the shapes that reach a parser's error paths.
    /// </summary>
    public static byte[] Mutate(Random random, byte[] sample, string specials = "")
    {
        var bytes = new List<byte>(sample);
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1 when specials.Length > 0:
                    bytes.Insert(at, (byte)specials[random.Next(specials.Length)]);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 10)));
                    break;
                case 4:
                    bytes.InsertRange(at, bytes.Skip(random.Next(bytes.Count + 1)).Take(random.Next(1, 40)).ToList());
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }
}
