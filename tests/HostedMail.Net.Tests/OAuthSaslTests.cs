using System.Text;
using HostedMail.Net;

namespace HostedMail.Net.Tests;

/// <summary>OAUTHBEARER (RFC 7628) and XOAUTH2 message parsing and where they are offered.</summary>
public sealed class OAuthSaslTests
{
    private static SaslStep Run(SaslMechanism mechanism, string message) => mechanism.Start(true, Encoding.UTF8.GetBytes(message));

    [Fact]
    public void OAuthBearerReadsTheAuthzidAndTheTokenOfRfc7628sExample()
    {
        // RFC 7628 section 4.1, with the host and port pairs.
        var step = Run(new OAuthBearerSaslMechanism(), "n,a=user@example.com,\u0001host=server.example.com\u0001port=143\u0001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\u0001\u0001");
        Assert.Equal(SaslStepKind.Credentials, step.Kind);
        Assert.True(step.Credentials!.IsBearerToken);
        Assert.Equal("user@example.com", step.Credentials.Username);
        Assert.Equal("user@example.com", step.Credentials.AuthorizationIdentity);
        Assert.Equal("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", step.Credentials.Password);
        Assert.DoesNotContain("vF9dft", step.Credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OAuthBearerWithoutAnAuthzidLeavesTheLoginToTheToken()
    {
        var step = Run(new OAuthBearerSaslMechanism(), "n,,\u0001auth=bearer abc.def.ghi\u0001\u0001");
        Assert.Equal(SaslStepKind.Credentials, step.Kind);
        Assert.Equal(string.Empty, step.Credentials!.Username);
        Assert.Null(step.Credentials.AuthorizationIdentity);
        Assert.Equal("abc.def.ghi", step.Credentials.Password);
    }

    [Fact]
    public void OAuthBearerDecodesSaslnameEscapes()
    {
        var step = Run(new OAuthBearerSaslMechanism(), "n,a=we=2Cird=3D@example.com,\u0001auth=Bearer t\u0001\u0001");
        Assert.Equal("we,ird=@example.com", step.Credentials!.AuthorizationIdentity);
    }

    [Fact]
    public void XOAuth2ReadsUserAndToken()
    {
        var step = Run(new XOAuth2SaslMechanism(), "user=someuser@example.com\u0001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u0001\u0001");
        Assert.Equal(SaslStepKind.Credentials, step.Kind);
        Assert.True(step.Credentials!.IsBearerToken);
        Assert.Equal("someuser@example.com", step.Credentials.Username);
        Assert.Equal("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", step.Credentials.Password);
    }

    [Theory]
    [InlineData("OAUTHBEARER", "p=tls-unique,a=u@x,\u0001auth=Bearer t\u0001\u0001")] // channel binding
    [InlineData("OAUTHBEARER", "n,a=u@x,\u0001auth=Bearer t\u0001")] // one final kvsep
    [InlineData("OAUTHBEARER", "n,a=u@x,\u0001host=x\u0001\u0001")] // no auth pair
    [InlineData("OAUTHBEARER", "n,a=u@x,\u0001auth=Basic dTpw\u0001\u0001")] // not a bearer token
    [InlineData("OAUTHBEARER", "n,u@x,\u0001auth=Bearer t\u0001\u0001")] // authzid without a=
    [InlineData("OAUTHBEARER", "n")] // no GS2 header
    [InlineData("OAUTHBEARER", "n,,\u0001auth=Bearer \u0001\u0001")] // empty token
    [InlineData("OAUTHBEARER", "n,,\u0001auth=Bearer a b\u0001\u0001")] // space inside the token
    [InlineData("XOAUTH2", "user=u@x\u0001auth=Bearer t\u0001")]
    [InlineData("XOAUTH2", "auth=Bearer t\u0001\u0001")]
    [InlineData("XOAUTH2", "user=u@x\u0001\u0001")]
    [InlineData("XOAUTH2", "")]
    public void MalformedMessagesAreRefused(string mechanism, string message)
    {
        Assert.True(SaslMechanismRegistry.Default.TryCreate(mechanism, out var m));
        Assert.Equal(SaslStepKind.Malformed, Run(m, message).Kind);
    }

    [Fact]
    public void WithoutAnInitialResponseTheServerSendsAnEmptyChallengeFirst()
    {
        var mechanism = new XOAuth2SaslMechanism();
        var first = mechanism.Start(false, default);
        Assert.Equal(SaslStepKind.Challenge, first.Kind);
        Assert.True(first.Challenge.IsEmpty);
        Assert.Equal(SaslStepKind.Credentials, mechanism.Continue("user=u@x\u0001auth=Bearer t\u0001\u0001"u8).Kind);
    }

    [Fact]
    public void BearerMechanismsAreOfferedOnlyOverTlsAndOnlyWhenTokensCanBeChecked()
    {
        var registry = SaslMechanismRegistry.Default;
        Assert.Equal(["PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2"], registry.NamesFor(isTls: true, bearerTokens: true));
        Assert.Equal(["PLAIN", "LOGIN"], registry.NamesFor(isTls: false, bearerTokens: true));
        Assert.Equal(["PLAIN", "LOGIN"], registry.NamesFor(isTls: true, bearerTokens: false));
        Assert.False(registry.TryCreate("XOAUTH2", isTls: false, bearerTokens: true, out _));
        Assert.False(registry.TryCreate("OAUTHBEARER", isTls: true, bearerTokens: false, out _));
        Assert.True(registry.TryCreate("oauthbearer", isTls: true, bearerTokens: true, out var created));
        Assert.IsType<OAuthBearerSaslMechanism>(created);
        Assert.True(registry.TryCreate("PLAIN", isTls: false, bearerTokens: false, out _));
    }

    [Fact]
    public void TheErrorChallengeIsRfc7628Json()
    {
        var json = Encoding.UTF8.GetString(OAuthSasl.ErrorChallenge("invalid_token", "mail", "https://mail.example.com/.well-known/openid-configuration"));
        Assert.Equal("{\"status\":\"invalid_token\",\"schemes\":\"bearer\",\"scope\":\"mail\",\"openid-configuration\":\"https://mail.example.com/.well-known/openid-configuration\"}", json);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("invalid_token", document.RootElement.GetProperty("status").GetString());
    }
}
