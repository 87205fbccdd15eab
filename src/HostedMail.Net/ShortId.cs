using System.Security.Cryptography;

namespace HostedMail.Net;

/// <summary>
/// Short random ids people can read out over the phone (base32 without look-alikes): SMTP
/// transaction ids (logs, Received, the 250 reply) and the error ids of unexpected errors, written
/// once to the log with the exception and once into the protocol reply (<c>451 4.3.0 ... (error id
/// X)</c>, <c>NO [SERVERBUG] ... (error id X)</c>, <c>-ERR [SYS/TEMP] ... (error id X)</c>), so a
/// user's report leads to the log line.
/// </summary>
public static class ShortId
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>An error id (10 characters).</summary>
    public static string NewErrorId() => New(10);

    public static string New(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[bytes[i] % Alphabet.Length];
        }

        return new string(chars);
    }
}
