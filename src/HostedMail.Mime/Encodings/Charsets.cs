using System.Collections.Concurrent;
using System.Text;
using System.Text.Unicode;

namespace HostedMail.Mime;

/// <summary>Maps MIME charset names to .NET encodings and decodes text without ever throwing.</summary>
public static class Charsets
{
    // Windows-1252 is the de-facto meaning of undeclared 8-bit mail text (HTML5 treats
    // ISO-8859-1 as windows-1252 for the same reason).
    private static readonly Encoding Windows1252;
    private static readonly ConcurrentDictionary<string, Encoding?> Cache = new(StringComparer.OrdinalIgnoreCase);

    // Names seen in real mail that .NET does not know, or knows as something narrower.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["utf8"] = "utf-8",
        ["unicode-1-1-utf-8"] = "utf-8",
        ["x-unicode20utf8"] = "utf-8",
        // GB18030 is a strict superset of GB2312 and GBK; mislabelled GBK text is common.
        ["gb2312"] = "gb18030",
        ["gbk"] = "gb18030",
        ["x-gbk"] = "gb18030",
        ["cp936"] = "gb18030",
        ["euc-cn"] = "gb18030",
        ["x-euc-cn"] = "gb18030",
        // CP949 (UHC) is a superset of EUC-KR.
        ["euc-kr"] = "ks_c_5601-1987",
        ["ks_c_5601"] = "ks_c_5601-1987",
        ["cp949"] = "ks_c_5601-1987",
        ["windows-949"] = "ks_c_5601-1987",
        ["windows-31j"] = "shift_jis",
        ["cp932"] = "shift_jis",
        ["ms932"] = "shift_jis",
        ["x-ms-cp932"] = "shift_jis",
        ["sjis"] = "shift_jis",
        ["shift-jis"] = "shift_jis",
        ["big5-hkscs"] = "big5",
        ["x-x-big5"] = "big5",
        ["cp950"] = "big5",
        ["iso-8859-1"] = "windows-1252",
        ["latin1"] = "windows-1252",
        ["iso_8859-1"] = "windows-1252",
        ["iso-8859-8-i"] = "iso-8859-8",
        ["cp1252"] = "windows-1252",
        ["cp1251"] = "windows-1251",
        ["cp1250"] = "windows-1250",
        ["cp1257"] = "windows-1257",
        ["cp866"] = "ibm866",
    };

    static Charsets()
    {
        // The provider ships in the shared framework; registering it here (once, from the static
        // constructor) makes every legacy code page available to Encoding.GetEncoding.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Windows1252 = Encoding.GetEncoding(1252);
    }

    /// <summary>The encoding used for undeclared or unknown 8-bit text that is not valid UTF-8.</summary>
    public static Encoding Fallback => Windows1252;

    /// <summary>Returns the encoding for a MIME charset name, or null when the name is unknown.</summary>
    public static Encoding? TryGetEncoding(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }

        string name = charset.Trim().Trim('"', '\'').Trim();
        // RFC 2231 section 5: "charset*language" in encoded words.
        int star = name.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0)
        {
            name = name[..star];
        }

        if (name.Length is 0 or > 40)
        {
            return null;
        }

        if (Cache.TryGetValue(name, out Encoding? cached))
        {
            return cached;
        }

        Encoding? encoding = Resolve(name);
        // Bounded so hostile mail with random charset names cannot grow the cache forever.
        if (Cache.Count < 512)
        {
            Cache.TryAdd(name, encoding);
        }

        return encoding;
    }

    private static Encoding? Resolve(string name)
    {
        if (Aliases.TryGetValue(name, out string? alias))
        {
            name = alias;
        }

        if (name.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.UTF8;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
        }
        catch (NotSupportedException)
        {
        }

        // "cp1252", "windows1252", "ms-1252" style numeric names.
        ReadOnlySpan<char> digits = name.AsSpan().TrimStart("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_");
        if (digits.Length is >= 3 and <= 5 && int.TryParse(digits, out int codePage) && codePage is not 65000)
        {
            try
            {
                return Encoding.GetEncoding(codePage);
            }
            catch (ArgumentException)
            {
            }
            catch (NotSupportedException)
            {
            }
        }

        return null;
    }

    /// <summary>Decodes bytes declared in a charset; unknown, missing or ASCII charsets fall back to UTF-8 when valid, else windows-1252.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? charset)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        Encoding? encoding = TryGetEncoding(charset);
        // US-ASCII labelled 8-bit text is, in practice, UTF-8 or a Windows code page; ASCII decoding
        // would only turn it into question marks.
        if (encoding is null || encoding.CodePage == 20127 || encoding.CodePage == 65001)
        {
            return DecodeUtf8OrFallback(bytes);
        }

        return encoding.GetString(bytes);
    }

    /// <summary>Decodes UTF-8 when the bytes are valid UTF-8, otherwise windows-1252.</summary>
    public static string DecodeUtf8OrFallback(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Ascii.IsValid(bytes))
        {
            return Encoding.ASCII.GetString(bytes);
        }

        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Windows1252.GetString(bytes);
    }
}
