namespace HostedMail.Testing.Corpus;

/// <summary>
/// One generated message: a stable name (index and shape), its exact bytes, and the shape it
/// was made from. The byte properties tell a test which transports can carry it unchanged:
/// SMTP canonicalises line ends to CRLF (RFC 5321 section 2.3.8) and limits lines to 1000 octets
/// (section 4.5.3.1.6), while IMAP APPEND stores the octets as given (RFC 9051 section 6.3.12).
/// </summary>
public sealed record CorpusMessage(string Name, byte[] Bytes, string Shape)
{
    /// <summary>An LF not preceded by CR appears somewhere (the bare-LF and mixed variants).</summary>
    public bool HasBareLineFeeds => Scan().BareLf;

    /// <summary>A CR not followed by LF appears somewhere.</summary>
    public bool HasBareCarriageReturns => Scan().BareCr;

    /// <summary>A NUL octet appears somewhere (only in Content-Transfer-Encoding: binary parts).</summary>
    public bool HasNul => Array.IndexOf(Bytes, (byte)0) >= 0;

    /// <summary>An octet above 127 appears in the top-level header section (RFC 6532 / SMTPUTF8, or raw legacy 8-bit).</summary>
    public bool HasEightBitHeaders
    {
        get
        {
            int end = HeaderEnd();
            for (int i = 0; i < end; i++)
            {
                if (Bytes[i] > 127)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>An octet above 127 appears anywhere (needs BODY=8BITMIME over SMTP, RFC 6152).</summary>
    public bool HasEightBit => Array.Exists(Bytes, b => b > 127);

    /// <summary>The longest line in octets, without its line end.</summary>
    public int MaxLineLength => Scan().MaxLine;

    /// <summary>The bytes end with CRLF (SMTP DATA adds one before the final dot when they do not).</summary>
    public bool EndsWithCrLf => Bytes.Length >= 2 && Bytes[^2] == '\r' && Bytes[^1] == '\n';

    /// <summary>
    /// SMTP can carry the bytes unchanged: CRLF line ends only, no NUL, every line within
    /// 998 octets (RFC 5321 section 4.5.3.1.6) and a final CRLF.
    /// </summary>
    public bool SmtpTransparent => !HasBareLineFeeds && !HasBareCarriageReturns && !HasNul && MaxLineLength <= 998 && EndsWithCrLf;

    /// <summary>
    /// What an SMTP client that canonicalises line ends (as smtplib, Postfix's sendmail and MailKit
    /// do) sends as the DATA content: every bare LF or CR becomes CRLF and a final CRLF is added.
    /// </summary>
    public byte[] CanonicalCrLf()
    {
        var output = new List<byte>(Bytes.Length + 64);
        for (int i = 0; i < Bytes.Length; i++)
        {
            byte b = Bytes[i];
            if (b == '\r')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (i + 1 < Bytes.Length && Bytes[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (b == '\n')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
            }
            else
            {
                output.Add(b);
            }
        }

        if (output.Count < 2 || output[^2] != '\r' || output[^1] != '\n')
        {
            output.Add((byte)'\r');
            output.Add((byte)'\n');
        }

        return [.. output];
    }

    public override string ToString() => Name;

    private int HeaderEnd()
    {
        for (int i = 0; i + 1 < Bytes.Length; i++)
        {
            if (Bytes[i] == '\n' && (Bytes[i + 1] == '\n' || (Bytes[i + 1] == '\r' && i + 2 < Bytes.Length && Bytes[i + 2] == '\n')))
            {
                return i;
            }
        }

        return Bytes.Length;
    }

    private (bool BareLf, bool BareCr, int MaxLine) Scan()
    {
        bool bareLf = false, bareCr = false;
        int max = 0, start = 0;
        for (int i = 0; i < Bytes.Length; i++)
        {
            if (Bytes[i] == '\n')
            {
                bool crlf = i > 0 && Bytes[i - 1] == '\r';
                bareLf |= !crlf;
                max = Math.Max(max, i - start - (crlf ? 1 : 0));
                start = i + 1;
            }
            else if (Bytes[i] == '\r' && (i + 1 >= Bytes.Length || Bytes[i + 1] != '\n'))
            {
                bareCr = true;
            }
        }

        max = Math.Max(max, Bytes.Length - start);
        return (bareLf, bareCr, max);
    }
}
