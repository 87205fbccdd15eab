using System.Text;

namespace HostedMail.Net.Tests;

public class SaslTests
{
    private static SaslServerExchange Start(string mechanism)
    {
        Assert.True(SaslMechanismRegistry.Default.TryCreate(mechanism, out var m));
        return new SaslServerExchange(m);
    }

    private static byte[] B64(string s) => Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(s)));

    [Fact]
    public void PlainWithInitialResponseYieldsCredentials()
    {
        // RFC 4616 section 4 example: "\0tim\0tanstaaftanstaaf".
        var step = Start("plain").Begin(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0tim\0tanstaaftanstaaf")));
        Assert.Equal(SaslStepKind.Credentials, step.Kind);
        Assert.Equal(new SaslCredentials("tim", "tanstaaftanstaaf", null), step.Credentials);
    }

    [Fact]
    public void PlainWithAuthzidKeepsIt()
    {
        var step = Start("PLAIN").Begin(Convert.ToBase64String(Encoding.UTF8.GetBytes("Ursel\0Kurt\0xipj3plmq")));
        Assert.Equal(new SaslCredentials("Kurt", "xipj3plmq", "Ursel"), step.Credentials);
    }

    [Fact]
    public void PlainWithoutInitialResponseSendsAnEmptyChallenge()
    {
        var exchange = Start("PLAIN");
        var first = exchange.Begin(null);
        Assert.Equal(SaslStepKind.Challenge, first.Kind);
        Assert.Equal("", first.ChallengeBase64);
        var second = exchange.Respond(B64("\0jörg\0pässwörd"));
        Assert.Equal(new SaslCredentials("jörg", "pässwörd", null), second.Credentials);
    }

    [Theory]
    [InlineData("=")]
    [InlineData("AHRpbQ==")] // "\0tim": no password
    [InlineData("dGltAHBhc3M=")] // "tim\0pass": one NUL only
    [InlineData("AAB4")] // "\0\0x": empty authcid
    [InlineData("not base64!")]
    [InlineData("AHRpbQB")] // bad padding
    public void MalformedPlainMessagesAreRefused(string initialResponse)
    {
        Assert.Equal(SaslStepKind.Malformed, Start("PLAIN").Begin(initialResponse).Kind);
    }

    [Fact]
    public void PasswordIsNeverInToString()
    {
        Assert.DoesNotContain("secret", new SaslCredentials("u", "secret", null).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void LoginAsksForUsernameThenPassword()
    {
        var exchange = Start("LOGIN");
        var first = exchange.Begin(null);
        Assert.Equal("VXNlcm5hbWU6", first.ChallengeBase64);
        var second = exchange.Respond(B64("alice@example.com"));
        Assert.Equal("UGFzc3dvcmQ6", second.ChallengeBase64);
        var third = exchange.Respond(B64("hunter2"));
        Assert.Equal(new SaslCredentials("alice@example.com", "hunter2", null), third.Credentials);
    }

    [Fact]
    public void LoginInitialResponseIsTheUsername()
    {
        var exchange = Start("LOGIN");
        Assert.Equal("UGFzc3dvcmQ6", exchange.Begin(Convert.ToBase64String("bob"u8)).ChallengeBase64);
        Assert.Equal("bob", exchange.Respond(B64("pw")).Credentials!.Username);
    }

    [Fact]
    public void StarCancelsTheExchange()
    {
        var exchange = Start("LOGIN");
        exchange.Begin(null);
        Assert.Equal(SaslStepKind.Cancelled, exchange.Respond("*"u8).Kind);
    }

    [Fact]
    public void EmptyLoginResponseIsMalformed()
    {
        var exchange = Start("LOGIN");
        exchange.Begin(null);
        Assert.Equal(SaslStepKind.Malformed, exchange.Respond(""u8).Kind);
    }

    [Fact]
    public void UnknownMechanismIsNotCreated()
    {
        Assert.False(SaslMechanismRegistry.Default.TryCreate("CRAM-MD5", out _));
        Assert.Equal(["PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2"], SaslMechanismRegistry.Default.Names);
    }
}
