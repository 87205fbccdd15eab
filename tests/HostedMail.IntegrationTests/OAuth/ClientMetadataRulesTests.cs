using System.Text.Json;
using HostedMail.Identity.OAuth.Registration;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>The registration rules on their own (no node): which redirect URIs a native app may register (RFC 8252) and what is substituted.</summary>
public sealed class ClientMetadataRulesTests
{
    private static readonly string[] Offered = ["mail", "offline_access"];

    [Theory]
    [InlineData("http://127.0.0.1/cb")]
    [InlineData("http://127.0.0.1:49152/cb")]
    [InlineData("http://[::1]:8080/")]
    [InlineData("http://localhost:1234/oauth")]
    [InlineData("https://app.example/oauth/callback")]
    [InlineData("com.example.mail:/oauth2redirect")]
    [InlineData("net.example.mail.beta:/cb?x=1")]
    public void ANativeAppsRedirectIsAccepted(string uri) => Assert.Null(ClientMetadataRules.CheckRedirectUri(uri));

    [Theory]
    [InlineData("http://app.example/cb", "plain http")]
    [InlineData("http://127.0.0.1.evil.example/cb", "plain http")]
    [InlineData("http://10.0.0.1/cb", "plain http")]
    [InlineData("https://app.example/cb#frag", "fragment")]
    [InlineData("https://user:pw@app.example/cb", "user information")]
    [InlineData("myapp:/cb", "reversed domain")]
    [InlineData("javascript:alert(1)", "reversed domain")]
    [InlineData("", "not an absolute URI")]
    [InlineData("cb", "not an absolute URI")]
    public void ARedirectANativeAppCannotOwnIsRefusedWithTheReason(string uri, string reason) =>
        Assert.Contains(reason, ClientMetadataRules.CheckRedirectUri(uri), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://127.0.0.1:49152/cb", "http://127.0.0.1/cb")]
    [InlineData("http://[::1]:8080/x?y=1", "http://[::1]/x?y=1")]
    [InlineData("com.example.mail:/oauth2redirect", "com.example.mail:/oauth2redirect")]
    [InlineData("https://app.example:8443/cb", "https://app.example:8443/cb")]
    public void ALoopbackRedirectIsStoredWithoutItsPortSoAnyPortMatches(string registered, string stored) =>
        Assert.Equal(stored, ClientMetadataRules.Normalize(registered));

    [Fact]
    public void OmittedMembersGetTheNativeDefaults()
    {
        var (metadata, error) = ClientMetadataRules.Check(JsonDocument.Parse("""{"redirect_uris":["com.example.mail:/cb"]}""").RootElement, Offered);
        Assert.Null(error);
        Assert.Equal(["authorization_code", "refresh_token"], metadata!.GrantTypes);
        Assert.Equal(Offered, metadata.Scopes);
        Assert.Equal("none", metadata.ToJson()["token_endpoint_auth_method"]);
    }

    [Fact]
    public void ElevenRedirectUrisAreTooMany()
    {
        var uris = string.Join(',', Enumerable.Range(0, 11).Select(i => $"\"com.example.mail:/cb{i}\""));
        var (_, error) = ClientMetadataRules.Check(JsonDocument.Parse($$"""{"redirect_uris":[{{uris}}]}""").RootElement, Offered);
        Assert.Equal(RegistrationError.InvalidRedirectUri, error!.Error);
    }
}
