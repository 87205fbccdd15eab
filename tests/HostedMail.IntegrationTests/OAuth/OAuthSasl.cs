using System.Text;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>SASL XOAUTH2 and OAUTHBEARER as a raw client sends them, for the probes that look at every line.</summary>
internal static class OAuthSasl
{
    public static string XOAuth2(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001"));

    public static string OAuthBearer(string? authzid, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,{(authzid is null ? "" : "a=" + authzid)},\u0001host=127.0.0.1\u0001port=993\u0001auth=Bearer {token}\u0001\u0001"));

    /// <summary>The tagged answer to AUTHENTICATE XOAUTH2 with SASL-IR over implicit TLS (answering an error challenge with an empty line).</summary>
    public static async Task<string> ImapXOAuth2Async(int port, string user, string token) =>
        (await ImapAsync(port, "XOAUTH2 " + XOAuth2(user, token), "")).Tagged;

    /// <summary>AUTHENTICATE with SASL-IR over implicit TLS: the error challenge (decoded) if one came, and the tagged answer.</summary>
    public static async Task<(string? Challenge, string Tagged)> ImapAsync(int port, string mechanismAndResponse, string dummyResponse)
    {
        await using var client = await LineClient.ConnectAsync(port, implicitTls: true);
        await client.ReadLineAsync();
        await client.SendAsync($"a AUTHENTICATE {mechanismAndResponse}\r\n");
        string? challenge = null;
        while (await client.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("+ ", StringComparison.Ordinal))
            {
                challenge = Encoding.UTF8.GetString(Convert.FromBase64String(line[2..]));
                await client.SendAsync(dummyResponse + "\r\n");
                continue;
            }

            if (line.StartsWith("a ", StringComparison.Ordinal))
            {
                return (challenge, line);
            }
        }

        return (challenge, "closed");
    }
}
