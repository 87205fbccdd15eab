using System.Buffers;
using System.Text;

namespace HostedMail.Pop3.Protocol;

/// <summary>
/// Extended response codes (RFC 2449 section 8, RFC 3206), written in brackets after "-ERR".
/// Clients act on them: [IN-USE] means retry later without asking for a new password,
/// [AUTH] means the credentials were wrong, [SYS/TEMP] means try again later.
/// </summary>
internal static class Pop3ResponseCode
{
    /// <summary>RFC 2449 section 8.1.1: the maildrop is locked by another session.</summary>
    public const string InUse = "IN-USE";

    /// <summary>RFC 2449 section 8.1.2: logged in too soon after the last login.</summary>
    public const string LoginDelay = "LOGIN-DELAY";

    /// <summary>RFC 3206 section 4: a temporary system problem; the credentials may be fine.</summary>
    public const string SysTemp = "SYS/TEMP";

    /// <summary>RFC 3206 section 4: a permanent system problem.</summary>
    public const string SysPerm = "SYS/PERM";

    /// <summary>RFC 3206 section 5: the credentials were wrong (advertised as AUTH-RESP-CODE).</summary>
    public const string Auth = "AUTH";
}

/// <summary>Writes POP3 status lines and multi-line responses (RFC 1939 section 3).</summary>
internal static class Pop3Response
{
    /// <summary>"+OK text" (or "+OK" alone).</summary>
    public static void Ok(IBufferWriter<byte> output, string? text = null)
    {
        Write(output, "+OK"u8);
        if (!string.IsNullOrEmpty(text))
        {
            Write(output, " "u8);
            WriteText(output, text);
        }

        Write(output, "\r\n"u8);
    }

    /// <summary>"-ERR [code] text"; the code is one of <see cref="Pop3ResponseCode"/> or null.</summary>
    public static void Err(IBufferWriter<byte> output, string? code, string text)
    {
        Write(output, "-ERR "u8);
        if (code is not null)
        {
            Write(output, "["u8);
            WriteText(output, code);
            Write(output, "] "u8);
        }

        WriteText(output, text);
        Write(output, "\r\n"u8);
    }

    /// <summary>
    /// One line of a multi-line response whose content never starts with "." (scan listings,
    /// capability names), so it needs no dot-stuffing.
    /// </summary>
    public static void Line(IBufferWriter<byte> output, string text)
    {
        WriteText(output, text);
        Write(output, "\r\n"u8);
    }

    /// <summary>The ".CRLF" that ends a multi-line response.</summary>
    public static void End(IBufferWriter<byte> output) => Write(output, ".\r\n"u8);

    /// <summary>"+ base64" SASL challenge (RFC 5034 section 4); "+ " for an empty one.</summary>
    public static void Challenge(IBufferWriter<byte> output, string base64)
    {
        Write(output, "+ "u8);
        WriteText(output, base64);
        Write(output, "\r\n"u8);
    }

    private static void WriteText(IBufferWriter<byte> output, string text)
    {
        // Response text is ours or a validated ASCII token; never echo CR or LF, which would
        // let a crafted argument forge a response line.
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        for (var i = 0; i < written; i++)
        {
            if (span[i] is (byte)'\r' or (byte)'\n')
            {
                span[i] = (byte)' ';
            }
        }

        output.Advance(written);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);
}
