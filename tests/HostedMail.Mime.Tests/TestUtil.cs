using System.Text;

namespace HostedMail.Mime.Tests;

internal static class TestUtil
{
    /// <summary>Turns "\n" into CRLF so test messages can be written as verbatim strings.</summary>
    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    public static MimeMessage Parse(string text) => MimeMessage.Parse(Crlf(text));

    public static string Str(ReadOnlyMemory<byte>? bytes) => bytes is null ? "<null>" : Encoding.UTF8.GetString(bytes.Value.Span);

    public static string Str(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
