using System.Text;

namespace HostedMail.Mime;

/// <summary>RFC 3492 Punycode and the label-by-label IDNA conversion of domain names (RFC 5891/5890 "xn--" A-labels).</summary>
public static class Punycode
{
    // RFC 3492 section 5 parameter values for Punycode.
    private const int Base = 36, TMin = 1, TMax = 26, Skew = 38, Damp = 700, InitialBias = 72, InitialN = 128;
    private const string AcePrefix = "xn--";

    /// <summary>Encodes a Unicode label as Punycode (without the "xn--" prefix); returns null on overflow.</summary>
    public static string? Encode(string input)
    {
        if (input.Length > 1000)
        {
            return null;
        }

        var codePoints = new List<int>(input.Length);
        for (int i = 0; i < input.Length; i++)
        {
            if (char.IsHighSurrogate(input[i]) && i + 1 < input.Length && char.IsLowSurrogate(input[i + 1]))
            {
                codePoints.Add(char.ConvertToUtf32(input[i], input[i + 1]));
                i++;
            }
            else
            {
                codePoints.Add(input[i]);
            }
        }

        var output = new StringBuilder();
        foreach (int cp in codePoints)
        {
            if (cp < 0x80)
            {
                output.Append((char)cp);
            }
        }

        int basic = output.Length;
        int handled = basic;
        if (basic > 0)
        {
            output.Append('-');
        }

        int n = InitialN, delta = 0, bias = InitialBias;
        while (handled < codePoints.Count)
        {
            int m = int.MaxValue;
            foreach (int cp in codePoints)
            {
                if (cp >= n && cp < m)
                {
                    m = cp;
                }
            }

            if ((long)(m - n) * (handled + 1) > int.MaxValue - delta)
            {
                return null;
            }

            delta += (m - n) * (handled + 1);
            n = m;
            foreach (int cp in codePoints)
            {
                if (cp < n && ++delta == 0)
                {
                    return null;
                }

                if (cp == n)
                {
                    int q = delta;
                    for (int k = Base; ; k += Base)
                    {
                        int t = k <= bias ? TMin : k >= bias + TMax ? TMax : k - bias;
                        if (q < t)
                        {
                            break;
                        }

                        output.Append(Digit(t + ((q - t) % (Base - t))));
                        q = (q - t) / (Base - t);
                    }

                    output.Append(Digit(q));
                    bias = Adapt(delta, handled + 1, handled == basic);
                    delta = 0;
                    handled++;
                }
            }

            delta++;
            n++;
        }

        return output.ToString();
    }

    /// <summary>Decodes a Punycode label (without the "xn--" prefix); returns null when it is invalid.</summary>
    public static string? Decode(string input)
    {
        // Labels are at most 63 octets (RFC 5890); the bound keeps the quadratic insert loop cheap.
        if (input.Length > 1000)
        {
            return null;
        }

        var output = new List<int>();
        int basicEnd = input.LastIndexOf('-');
        if (basicEnd > 0)
        {
            for (int j = 0; j < basicEnd; j++)
            {
                if (input[j] >= 0x80)
                {
                    return null;
                }

                output.Add(input[j]);
            }
        }

        int n = InitialN, i = 0, bias = InitialBias;
        int pos = basicEnd > 0 ? basicEnd + 1 : 0;
        while (pos < input.Length)
        {
            int oldi = i, w = 1;
            for (int k = Base; ; k += Base)
            {
                if (pos >= input.Length)
                {
                    return null;
                }

                int digit = DigitValue(input[pos++]);
                if (digit < 0 || digit > (int.MaxValue - i) / w)
                {
                    return null;
                }

                i += digit * w;
                int t = k <= bias ? TMin : k >= bias + TMax ? TMax : k - bias;
                if (digit < t)
                {
                    break;
                }

                if ((long)w * (Base - t) > int.MaxValue)
                {
                    return null;
                }

                w *= Base - t;
            }

            bias = Adapt(i - oldi, output.Count + 1, oldi == 0);
            if (i / (output.Count + 1) > int.MaxValue - n)
            {
                return null;
            }

            n += i / (output.Count + 1);
            i %= output.Count + 1;
            if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF))
            {
                return null;
            }

            output.Insert(i, n);
            i++;
        }

        var sb = new StringBuilder(output.Count);
        foreach (int cp in output)
        {
            sb.Append(char.ConvertFromUtf32(cp));
        }

        return sb.ToString();
    }

    /// <summary>Converts a domain to its ASCII form, encoding non-ASCII labels as "xn--" A-labels; returns the input when a label cannot be converted.</summary>
    public static string ToAscii(string domain)
    {
        if (System.Text.Ascii.IsValid(domain))
        {
            return domain;
        }

        string[] labels = SplitLabels(domain);
        for (int i = 0; i < labels.Length; i++)
        {
            string label = labels[i];
            if (System.Text.Ascii.IsValid(label))
            {
                continue;
            }

            // IDNA2008 (RFC 5895 mapping) lower-cases and NFC-normalises before encoding.
            string mapped = label.ToLowerInvariant();
            try
            {
                mapped = mapped.Normalize(NormalizationForm.FormC);
            }
            catch (ArgumentException)
            {
                return domain;
            }

            string? encoded = Encode(mapped);
            if (encoded is null)
            {
                return domain;
            }

            labels[i] = AcePrefix + encoded;
        }

        return string.Join('.', labels);
    }

    /// <summary>Converts "xn--" labels of a domain back to Unicode; labels that do not decode are kept as they are.</summary>
    public static string ToUnicode(string domain)
    {
        if (!domain.Contains(AcePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return domain;
        }

        string[] labels = SplitLabels(domain);
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i].StartsWith(AcePrefix, StringComparison.OrdinalIgnoreCase))
            {
                string? decoded = Decode(labels[i][AcePrefix.Length..].ToLowerInvariant());
                if (decoded is not null)
                {
                    labels[i] = decoded;
                }
            }
        }

        return string.Join('.', labels);
    }

    // UTS 46 section 2.3: ideographic and fullwidth full stops separate labels too.
    private static string[] SplitLabels(string domain) => domain.Split(['.', '\u3002', '\uFF0E', '\uFF61']);

    private static char Digit(int d) => (char)(d < 26 ? 'a' + d : '0' + (d - 26));

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0' + 26,
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a',
        _ => -1,
    };

    private static int Adapt(int delta, int numPoints, bool firstTime)
    {
        delta = firstTime ? delta / Damp : delta / 2;
        delta += delta / numPoints;
        int k = 0;
        while (delta > ((Base - TMin) * TMax) / 2)
        {
            delta /= Base - TMin;
            k += Base;
        }

        return k + (((Base - TMin + 1) * delta) / (delta + Skew));
    }
}
