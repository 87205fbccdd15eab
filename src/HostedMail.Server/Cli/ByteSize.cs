using System.Globalization;

namespace HostedMail.Server.Cli;

/// <summary>Parses sizes as operators write them: <c>1073741824</c>, <c>500M</c>, <c>2G</c>, <c>10GiB</c> (binary units).</summary>
internal static class ByteSize
{
    public static long Parse(string text)
    {
        var t = text.Trim();
        var split = 0;
        while (split < t.Length && char.IsAsciiDigit(t[split]))
        {
            split++;
        }

        var unit = t[split..].Trim().ToUpperInvariant();
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (split == 0 || multiplier == 0 || !long.TryParse(t[..split], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier)
        {
            throw new CliUsageException($"'{text}' is not a size (examples: 500M, 2G)");
        }

        return number * multiplier;
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(CultureInfo.InvariantCulture) + "G",
        >= 1L << 20 when bytes % (1L << 20) == 0 => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "M",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
