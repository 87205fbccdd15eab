using System.Security.Cryptography;

namespace HostedMail.Net;

/// <summary>
/// The correlation id of an unexpected error: written once to the log with the exception and
/// once into the protocol reply (<c>451 4.3.0 ... (error id X)</c>, <c>NO [SERVERBUG] ... (error id X)</c>,
/// <c>-ERR [SYS/TEMP] ... (error id X)</c>), so a user's report leads to the log line.
/// </summary>
public static class ErrorId
{
    // Crockford-like base32 without look-alikes: easy to read out over the phone.
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[10];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, b) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[b[i] % Alphabet.Length];
            }
        });
    }
}
