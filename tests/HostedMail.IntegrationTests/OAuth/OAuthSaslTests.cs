using System.Globalization;
using System.Text;
using System.Text.Json;
using HostedMail.Identity.OAuth;
using HostedMail.Testing;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15: access tokens from the code flow used by real mail clients (curl, Python imaplib,
/// MailKit) over IMAP, POP3 and SMTP submission, and every probe refused with RFC 7628's error.
/// </summary>
public sealed class OAuthSaslTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    private const string Alice = "alice@acme.example";
    private const string Bob = "bob@acme.example";

    private static readonly JsonWebTokenHandler Jwt = new() { MapInboundClaims = false };

    private static bool IsTestCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) =>
        certificate?.Subject.Contains(MailNode.Hostname, StringComparison.Ordinal) == true;

    private async Task<string> AccessTokenAsync(string address = Alice)
    {
        using var browser = new OAuthBrowser(node);
        return (await browser.TokensAsync(address, MailNode.Password)).AccessToken;
    }

    [Fact]
    public async Task CurlUsesTheTokenForImapPop3AndSmtpSubmission()
    {
        var token = await AccessTokenAsync();
        foreach (var mechanism in new[] { "XOAUTH2", "OAUTHBEARER" })
        {
            var imap = await ExternalProcess.RunAsync("curl", ["-sS", "-k", "--login-options", "AUTH=" + mechanism, "--user", Alice + ":", "--oauth2-bearer", token,
                $"imaps://127.0.0.1:{node.ImapsPort.ToString(CultureInfo.InvariantCulture)}/"]);
            Assert.True(imap.ExitCode == 0, mechanism + ": " + imap);
            Assert.Contains("INBOX", imap.Output, StringComparison.Ordinal);

            var pop3 = await ExternalProcess.RunAsync("curl", ["-sS", "-k", "--login-options", "AUTH=" + mechanism, "--user", Alice + ":", "--oauth2-bearer", token,
                $"pop3s://127.0.0.1:{node.Pop3sPort.ToString(CultureInfo.InvariantCulture)}/"]);
            Assert.True(pop3.ExitCode == 0, mechanism + ": " + pop3);

            var subject = "via curl " + mechanism;
            var smtp = await ExternalProcess.RunAsync("curl", ["-sS", "-k", "--ssl-reqd", "--login-options", "AUTH=" + mechanism, "--user", Alice + ":", "--oauth2-bearer", token,
                "--mail-from", Alice, "--mail-rcpt", Bob, "-T", "-", $"smtp://127.0.0.1:{node.SubmissionPort.ToString(CultureInfo.InvariantCulture)}"],
                $"From: {Alice}\r\nTo: {Bob}\r\nSubject: {subject}\r\n\r\nsent with a bearer token\r\n");
            Assert.True(smtp.ExitCode == 0, mechanism + ": " + smtp);
            await node.WaitForSubjectAsync(subject, TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task PythonImaplibAuthenticatesWithXOAuth2()
    {
        var token = await AccessTokenAsync();
        const string script = """
            import imaplib, ssl, sys
            port, user, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            imap = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context)
            typ, data = imap.authenticate("XOAUTH2", lambda _: f"user={user}\x01auth=Bearer {token}\x01\x01".encode())
            print(typ, data)
            print(imap.select("INBOX")[0])
            try:
                imap2 = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context)
                imap2.authenticate("XOAUTH2", lambda _: f"user=bob@acme.example\x01auth=Bearer {token}\x01\x01".encode())
                print("WRONG-USER-ACCEPTED")
            except imaplib.IMAP4.error as e:
                print("refused", e)
            """;
        var result = await ExternalProcess.RunAsync("python3", ["-c", script, node.ImapsPort.ToString(CultureInfo.InvariantCulture), Alice, token]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("OK [b'[CAPABILITY", result.Output, StringComparison.Ordinal);
        Assert.Contains("\nOK\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("refused", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("WRONG-USER-ACCEPTED", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKitSignsInWithOAuth2AndOAuthBearerOnImapPop3AndSubmission()
    {
        // A MailKit SASL mechanism is spent once it has authenticated (a second use sends an empty
        // response), so every connection gets a new one. One fresh mailbox per mechanism: a POP3
        // maildrop is released only after the server has seen the QUIT through.
        foreach (var bearer in new[] { false, true })
        {
            var address = $"mk{Guid.NewGuid().ToString("N")[..8]}@acme.example";
            await node.Cli.OkAsync("mailbox", "create", address, "--tenant", "acme", "--password", MailNode.Password);
            var token = await AccessTokenAsync(address);
            SaslMechanism Mechanism() => bearer ? new SaslMechanismOAuthBearer(address, token) : new SaslMechanismOAuth2(address, token);

            using (var imap = new ImapClient { ServerCertificateValidationCallback = IsTestCertificate })
            {
                await imap.ConnectAsync("127.0.0.1", node.ImapsPort, SecureSocketOptions.SslOnConnect);
                Assert.Contains(Mechanism().MechanismName, imap.AuthenticationMechanisms);
                await imap.AuthenticateAsync(Mechanism());
                Assert.True(imap.IsAuthenticated);
                await imap.DisconnectAsync(true);
            }

            using (var pop3 = new Pop3Client { ServerCertificateValidationCallback = IsTestCertificate })
            {
                await pop3.ConnectAsync("127.0.0.1", node.Pop3sPort, SecureSocketOptions.SslOnConnect);
                await pop3.AuthenticateAsync(Mechanism());
                Assert.True(pop3.IsAuthenticated);
                await pop3.DisconnectAsync(true);
            }

            using (var smtp = new SmtpClient { ServerCertificateValidationCallback = IsTestCertificate })
            {
                await smtp.ConnectAsync("127.0.0.1", node.SubmissionPort, SecureSocketOptions.StartTls);
                await smtp.AuthenticateAsync(Mechanism());
                Assert.True(smtp.IsAuthenticated);
                await smtp.DisconnectAsync(true);
            }
        }
    }

    [Fact]
    public async Task ARefusedTokenGetsTheRfc7628JsonErrorThenTheClientsDummyThenTheFailure()
    {
        var (challenge, tagged) = await OAuthSasl.ImapAsync(node.ImapsPort, "OAUTHBEARER " + OAuthSasl.OAuthBearer(Alice, "not-a-token"), "AQ==");
        var error = JsonDocument.Parse(challenge!).RootElement;
        Assert.Equal("invalid_token", error.GetProperty("status").GetString());
        Assert.Equal("mail", error.GetProperty("scope").GetString());
        Assert.Equal(node.Issuer + ".well-known/openid-configuration", error.GetProperty("openid-configuration").GetString());
        Assert.StartsWith("a NO [AUTHENTICATIONFAILED]", tagged, StringComparison.Ordinal);

        // The same on SMTP submission (334 with the JSON, then 535) and POP3 ("+ " then -ERR).
        await using (var smtp = await LineClient.ConnectAsync(node.SubmissionPort))
        {
            await smtp.ReadSmtpReplyAsync();
            await smtp.SmtpAsync("EHLO client.example");
            Assert.StartsWith("220", await smtp.SmtpAsync("STARTTLS"), StringComparison.Ordinal);
            await smtp.StartTlsAsync();
            Assert.Contains("AUTH PLAIN LOGIN OAUTHBEARER XOAUTH2", await smtp.SmtpAsync("EHLO client.example"), StringComparison.Ordinal);
            var first = await smtp.SmtpAsync("AUTH XOAUTH2 " + OAuthSasl.XOAuth2(Alice, "not-a-token"));
            Assert.StartsWith("334 ", first, StringComparison.Ordinal);
            Assert.Contains("\"status\":\"invalid_token\"", Encoding.UTF8.GetString(Convert.FromBase64String(first[4..].Trim())), StringComparison.Ordinal);
            Assert.StartsWith("535 5.7.8", await smtp.SmtpAsync(""), StringComparison.Ordinal);
        }

        await using (var pop3 = await LineClient.ConnectAsync(node.Pop3sPort, implicitTls: true))
        {
            await pop3.ReadLineAsync();
            await pop3.SendAsync("AUTH XOAUTH2 " + OAuthSasl.XOAuth2(Alice, "not-a-token") + "\r\n");
            var first = await pop3.ReadLineAsync();
            Assert.StartsWith("+ ", first, StringComparison.Ordinal);
            await pop3.SendAsync("\r\n");
            Assert.StartsWith("-ERR [AUTH]", await pop3.ReadLineAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ATokenForOneMailboxIsRefusedForAnotherAndForAnotherTenantsMailbox()
    {
        var alices = await AccessTokenAsync();
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, alices), StringComparison.Ordinal);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Bob, alices), StringComparison.Ordinal);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, "carol@other.example", alices), StringComparison.Ordinal);
        var (_, asBob) = await OAuthSasl.ImapAsync(node.ImapsPort, "OAUTHBEARER " + OAuthSasl.OAuthBearer(Bob, alices), "AQ==");
        Assert.StartsWith("a NO", asBob, StringComparison.Ordinal);
        // OAUTHBEARER without an authzid logs in as the token's mailbox.
        var (_, bare) = await OAuthSasl.ImapAsync(node.ImapsPort, "OAUTHBEARER " + OAuthSasl.OAuthBearer(null, alices), "AQ==");
        Assert.StartsWith("a OK", bare, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevokedTokenIsRefused()
    {
        var token = await AccessTokenAsync();
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, token), StringComparison.Ordinal);
        using var browser = new OAuthBrowser(node);
        var revoked = await browser.Http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["token_type_hint"] = "access_token",
            ["client_id"] = OAuthBrowser.ClientId,
        }));
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenOfASuspendedTenantsMailboxIsRefused()
    {
        var address = $"sus{Guid.NewGuid().ToString("N")[..8]}@other.example";
        await node.Cli.OkAsync("mailbox", "create", address, "--tenant", "other", "--password", MailNode.Password);
        var token = await AccessTokenAsync(address);
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, address, token), StringComparison.Ordinal);
        await node.Cli.OkAsync("tenant", "suspend", "other");
        try
        {
            Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, address, token), StringComparison.Ordinal);
        }
        finally
        {
            await node.Cli.OkAsync("tenant", "resume", "other");
        }
    }

    /// <summary>
    /// A real token's claims re-signed with the node's own key: the unchanged copy is accepted
    /// (so the signature is right), and each copy with one claim changed is refused for that claim.
    /// </summary>
    [Theory]
    [InlineData("unchanged", true)]
    [InlineData("expired", false)]
    [InlineData("audience", false)]
    [InlineData("issuer", false)]
    [InlineData("scope", false)]
    [InlineData("tenant", false)]
    [InlineData("foreign-key", false)]
    public async Task AForgedOrAlteredTokenIsRefusedForTheClaimThatIsWrong(string change, bool accepted)
    {
        var token = await AccessTokenAsync();
        var claims = Jwt.ReadJsonWebToken(token).Claims.GroupBy(c => c.Type)
            .ToDictionary(g => g.Key, g => g.Count() > 1 ? (object)g.Select(c => c.Value).ToArray() : g.First().Value);
        var now = DateTimeOffset.UtcNow;
        var expires = now.AddMinutes(30);
        claims.Remove("exp");
        claims.Remove("iat");
        claims.Remove("nbf");
        switch (change)
        {
            case "expired":
                expires = now.AddHours(-1);
                now = now.AddHours(-2);
                break;
            case "audience":
                claims["aud"] = "hostedmail-api";
                break;
            case "issuer":
                claims["iss"] = "https://evil.example/";
                break;
            case "scope":
                claims["scope"] = "offline_access";
                break;
            case "tenant":
                claims[OAuthServerOptions.TenantClaim] = "999999";
                break;
        }

        var key = change == "foreign-key"
            ? new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "foreign" }
            : (await node.Services.GetRequiredService<SigningKeyRing>().LoadAsync(SigningKeyRing.SigningPurpose, default))[0];
        var forged = Jwt.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
        var (challenge, tagged) = await OAuthSasl.ImapAsync(node.ImapsPort, "XOAUTH2 " + OAuthSasl.XOAuth2(Alice, forged), "");
        if (accepted)
        {
            Assert.StartsWith("a OK", tagged, StringComparison.Ordinal);
            return;
        }

        Assert.StartsWith("a NO", tagged, StringComparison.Ordinal);
        Assert.Contains(change == "scope" ? "\"insufficient_scope\"" : "\"invalid_token\"", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BearerMechanismsAreNeitherAdvertisedNorAcceptedWithoutTls()
    {
        var token = await AccessTokenAsync();
        await using var imap = await LineClient.ConnectAsync(node.ImapPort);
        await imap.ReadLineAsync();
        await imap.SendAsync("a CAPABILITY\r\n");
        var capability = await imap.ReadLineAsync();
        Assert.DoesNotContain("XOAUTH2", capability, StringComparison.Ordinal);
        Assert.DoesNotContain("OAUTHBEARER", capability, StringComparison.Ordinal);
        await imap.ReadLineAsync();
        Assert.StartsWith("b NO", await imap.ImapAsync($"b AUTHENTICATE XOAUTH2 {OAuthSasl.XOAuth2(Alice, token)}\r\n", "b "), StringComparison.Ordinal);

        await using var smtp = await LineClient.ConnectAsync(node.SubmissionPort);
        await smtp.ReadSmtpReplyAsync();
        Assert.DoesNotContain("XOAUTH2", await smtp.SmtpAsync("EHLO client.example"), StringComparison.Ordinal);
        Assert.StartsWith("530", await smtp.SmtpAsync("AUTH XOAUTH2 " + OAuthSasl.XOAuth2(Alice, token)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedTokenLoginsAreCountedLikeFailedPasswords()
    {
        var limiter = node.Services.GetRequiredService<HostedMail.Core.Security.IAuthenticationLimiter>();
        var login = $"count{Guid.NewGuid().ToString("N")[..8]}@acme.example";
        for (var i = 0; i < OAuthNode.UsernameLockoutThreshold - 1; i++)
        {
            Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, login, "not-a-token"), StringComparison.Ordinal);
        }

        Assert.Null((await limiter.CheckAsync("127.0.0.1", login, default)).LockedFor);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, login, "not-a-token"), StringComparison.Ordinal);
        // The threshold's failure locks the login, exactly as failed passwords do.
        Assert.NotNull((await limiter.CheckAsync("127.0.0.1", login, default)).LockedFor);
        Assert.StartsWith("a NO [UNAVAILABLE]", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, login, "not-a-token"), StringComparison.Ordinal);
    }
}
