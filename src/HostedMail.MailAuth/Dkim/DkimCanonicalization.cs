using System.Buffers;

namespace HostedMail.MailAuth.Dkim;

/// <summary>DKIM canonicalisation algorithms (RFC 6376 section 3.4).</summary>
public enum DkimCanonicalization
{
    /// <summary>Tolerates almost no modification.</summary>
    Simple,
    /// <summary>Tolerates whitespace changes and header re-folding.</summary>
    Relaxed,
}

/// <summary>Canonicalises header fields and bodies (RFC 6376 section 3.4).</summary>
internal static class DkimCanonicalizer
{
    /// <summary>Appends one header field canonicalised; <paramref name="withCrLf"/> is false only for the DKIM-Signature field itself.</summary>
    public static void Header(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> field, DkimCanonicalization mode, bool withCrLf = true)
    {
        if (mode == DkimCanonicalization.Simple)
        {
            // Section 3.4.1: unchanged.
            if (!withCrLf && field.EndsWith("\r\n"u8))
            {
                field = field[..^2];
            }

            output.Write(field);
            return;
        }

        // Section 3.4.2: lowercase name, unfold, collapse WSP runs, trim WSP around the value, no WSP before the colon.
        var colon = field.IndexOf((byte)':');
        var name = field[..colon].TrimEnd(" \t"u8);
        var nameSpan = output.GetSpan(name.Length + 1);
        for (var i = 0; i < name.Length; i++)
        {
            var b = name[i];
            nameSpan[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        }

        nameSpan[name.Length] = (byte)':';
        output.Advance(name.Length + 1);
        var value = field[(colon + 1)..];
        var span = output.GetSpan(value.Length);
        var n = 0;
        var pendingSpace = false;
        foreach (var b in value)
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            if (b is (byte)' ' or (byte)'\t')
            {
                pendingSpace = n > 0;
                continue;
            }

            if (pendingSpace)
            {
                span[n++] = (byte)' ';
                pendingSpace = false;
            }

            span[n++] = b;
        }

        output.Advance(n);
        if (withCrLf)
        {
            output.Write("\r\n"u8);
        }
    }

    /// <summary>The canonical body (sections 3.4.3 and 3.4.4; erratum 3133: an empty relaxed body stays empty).</summary>
    public static byte[] Body(ReadOnlySpan<byte> body, DkimCanonicalization mode)
    {
        byte[] lines;
        if (mode == DkimCanonicalization.Simple)
        {
            lines = body.ToArray();
        }
        else
        {
            var output = new ArrayBufferWriter<byte>(body.Length + 2);
            while (body.Length > 0)
            {
                var crlf = body.IndexOf("\r\n"u8);
                var line = crlf < 0 ? body : body[..crlf];
                body = crlf < 0 ? [] : body[(crlf + 2)..];
                var span = output.GetSpan(line.Length + 2);
                var n = 0;
                var pendingSpace = false;
                foreach (var b in line)
                {
                    if (b is (byte)' ' or (byte)'\t')
                    {
                        pendingSpace = true;
                        continue;
                    }

                    if (pendingSpace)
                    {
                        span[n++] = (byte)' ';
                        pendingSpace = false;
                    }

                    span[n++] = b;
                }

                // Trailing whitespace of a line is dropped: pendingSpace is simply not written.
                span[n++] = (byte)'\r';
                span[n++] = (byte)'\n';
                output.Advance(n);
            }

            lines = output.WrittenSpan.ToArray();
        }

        // Drop every trailing empty line, then end the content with exactly one CRLF.
        var length = lines.Length;
        while (length >= 2 && lines[length - 2] == '\r' && lines[length - 1] == '\n')
        {
            length -= 2;
        }

        if (length == 0)
        {
            return mode == DkimCanonicalization.Simple ? "\r\n"u8.ToArray() : [];
        }

        var result = new byte[length + 2];
        lines.AsSpan(0, length).CopyTo(result);
        result[length] = (byte)'\r';
        result[length + 1] = (byte)'\n';
        return result;
    }
}
