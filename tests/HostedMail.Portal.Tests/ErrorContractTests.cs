using System.Net;
using HostedMail.Core.Domains;
using HostedMail.Testing.Dns;

namespace HostedMail.Portal.Tests;

/// <summary>Issue 18 item 4: every error means what it says, and every list has one shape.</summary>
public sealed class ErrorContractTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task ReAddingADomainIsAConflictEvenWhenThePlanIsFull()
    {
        using var client = await host.NewTenantAsync("full-domains");
        for (var i = 0; i < 3; i++)
        {
            await client.PostJsonAsync("/api/v1/domains", new { name = $"d{i}.full-domains.example" }, HttpStatusCode.Created);
        }

        var again = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "D0.Full-Domains.Example" }), HttpStatusCode.Conflict);
        Assert.Contains("already added", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // A new one is still the plan's refusal.
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "d3.full-domains.example" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ReAddingAMailboxOrAliasIsAConflictEvenWhenThePlanIsFull()
    {
        using var client = await host.NewTenantAsync("full-boxes");
        await host.AddVerifiedDomainAsync(client, "full-boxes.example");
        for (var i = 0; i < 3; i++)
        {
            await client.PostJsonAsync("/api/v1/mailboxes", new { address = $"m{i}@full-boxes.example", password = "a long passphrase here" }, HttpStatusCode.Created);
        }

        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/mailboxes", new { address = "m0@full-boxes.example", password = "a long passphrase here" }), HttpStatusCode.Conflict);
        for (var i = 0; i < 5; i++)
        {
            await client.PostJsonAsync("/api/v1/aliases", new { address = $"a{i}@full-boxes.example", targets = new[] { "m0@full-boxes.example" } }, HttpStatusCode.Created);
        }

        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/aliases", new { address = "a0@full-boxes.example", targets = new[] { "m1@full-boxes.example" } }), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AMissingAliasTargetIsABadRequestNamingTheField()
    {
        using var client = await host.NewTenantAsync("ghost-target");
        await host.AddVerifiedDomainAsync(client, "ghost-target.example");
        var problem = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/aliases", new { address = "team@ghost-target.example", targets = new[] { "nobody@ghost-target.example" } }), HttpStatusCode.BadRequest, "targets");
        Assert.Contains("nobody@ghost-target.example", problem.GetProperty("errors").GetProperty("targets")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=DMARC1; p=none")]
    [InlineData("v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r; rua=mailto:dmarc@example.com!10m, mailto:b@example.org; ruf=mailto:f@example.com; fo=0:1:d:s; rf=afrf; ri=3600;")]
    [InlineData("v=DMARC1;p=Quarantine;future_tag=whatever")]
    public void ValidDmarcRecordsPass(string record) => Assert.Null(DmarcRecordSyntax.Problem(record));

    [Theory]
    [InlineData("v=DMARC1; p=bogus", "p=bogus")]
    [InlineData("v=DMARC1", "p= must follow")]
    [InlineData("v=DMARC1; rua=mailto:a@example.com; p=none", "p= must follow")]
    [InlineData("v=DMARC1; p=none; sp=maybe", "sp=maybe")]
    [InlineData("v=DMARC1; p=none; pct=101", "pct=101")]
    [InlineData("v=DMARC1; p=none; pct=-5", "pct=-5")]
    [InlineData("v=DMARC1; p=none; pct=half", "pct=half")]
    [InlineData("v=DMARC1; p=none; adkim=x", "adkim=x")]
    [InlineData("v=DMARC1; p=none; fo=2", "fo=2")]
    [InlineData("v=DMARC1; p=none; ri=soon", "ri=soon")]
    [InlineData("v=DMARC1; p=none; rua=dmarc@example.com", "rua=")]
    [InlineData("v=DMARC1; p=none; p=reject", "twice")]
    [InlineData("v=DMARC1; p=none; junk", "tag=value")]
    [InlineData("v=DMARC1; p=none; 9x=1", "tag name")]
    [InlineData("v=dmarc1; p=none", "v=DMARC1")]
    public void InvalidDmarcRecordsNameTheProblem(string record, string expected) =>
        Assert.Contains(expected, DmarcRecordSyntax.Problem(record), StringComparison.Ordinal);

    [Fact]
    public async Task TheDmarcRecordCheckShowsAnInvalidPolicyAsWrongWithTheReason()
    {
        using var client = await host.NewTenantAsync("dmarc-check");
        var id = await host.AddVerifiedDomainAsync(client, "dmarc-check.example");
        host.Dns.Add("_dmarc.dmarc-check.example", TestDnsRecord.Txt("v=DMARC1; p=bogus"));
        var records = await client.GetJsonAsync($"/api/v1/domains/{id}/records");
        var dmarc = records.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "dmarc");
        Assert.Equal("wrong", dmarc.GetProperty("status").GetString());
        Assert.Contains("p=bogus", dmarc.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryListAnswersItemsAndTotalAndPagesWithOffsetAndLimit()
    {
        using var client = await host.NewTenantAsync("lists");
        var domainId = await host.AddVerifiedDomainAsync(client, "lists.example");
        await client.PostJsonAsync("/api/v1/domains", new { name = "second.lists.example" }, HttpStatusCode.Created);
        var mailboxId = (await client.PostJsonAsync("/api/v1/mailboxes", new { address = "a@lists.example", password = "a long passphrase here" }, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await client.PostJsonAsync("/api/v1/mailboxes", new { address = "b@lists.example", password = "a long passphrase here" }, HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/aliases", new { address = "x@lists.example", targets = new[] { "a@lists.example" } }, HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/aliases", new { address = "y@lists.example", targets = new[] { "a@lists.example" } }, HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/mailboxes/{mailboxId}/app-passwords", new { name = "phone" }, HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/mailboxes/{mailboxId}/app-passwords", new { name = "laptop" }, HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/account/tokens", new { name = "one", scopes = new[] { "domains:read" } }, HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/account/tokens", new { name = "two", scopes = new[] { "domains:read" } }, HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/users", new { email = "second@lists.example", role = "admin" }, HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/domains/{domainId}/dkim/rotate", null, HttpStatusCode.OK);
        using var other = host.NewClient();
        await other.LoginAsync("owner@lists.example", "correct horse battery");

        string[] lists =
        [
            "/api/v1/domains", "/api/v1/mailboxes", "/api/v1/aliases", "/api/v1/users", "/api/v1/audit",
            "/api/v1/account/sessions", "/api/v1/account/tokens", $"/api/v1/domains/{domainId}/dkim", $"/api/v1/mailboxes/{mailboxId}/app-passwords",
        ];
        foreach (var path in lists)
        {
            var all = await client.GetJsonAsync(path);
            var total = all.GetProperty("total").GetInt32();
            Assert.True(total >= 2, $"{path}: total {total}");
            Assert.Equal(total, all.GetProperty("items").GetArrayLength());

            var first = await client.GetJsonAsync(path + "?limit=1");
            Assert.Equal(total, first.GetProperty("total").GetInt32());
            Assert.Equal(1, first.GetProperty("items").GetArrayLength());
            var second = await client.GetJsonAsync(path + "?offset=1&limit=1");
            Assert.Equal(all.GetProperty("items")[1].ToString(), second.GetProperty("items")[0].ToString());

            await PortalClient.ExpectProblemAsync(await client.GetAsync(path + "?limit=0"), HttpStatusCode.BadRequest, "limit");
            await PortalClient.ExpectProblemAsync(await client.GetAsync(path + "?limit=1001"), HttpStatusCode.BadRequest, "limit");
            await PortalClient.ExpectProblemAsync(await client.GetAsync(path + "?offset=-1"), HttpStatusCode.BadRequest, "offset");
        }
    }

    [Fact]
    public async Task AnExpiredSessionSaysSoAndSomeoneWhoNeverSignedInIsToldToSignIn()
    {
        using var client = await host.NewTenantAsync("expiry");
        host.Time.Advance(TimeSpan.FromHours(13));
        var expired = await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);
        Assert.EndsWith("session-expired", expired.GetProperty("type").GetString());
        Assert.Contains("expired", expired.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var stranger = host.NewClient();
        var never = await PortalClient.ExpectProblemAsync(await stranger.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);
        Assert.EndsWith("not-signed-in", never.GetProperty("type").GetString());
        Assert.DoesNotContain("expired", never.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The browser is told to drop the dead cookie, so the next call is a plain "sign in".
        var again = await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);
        Assert.EndsWith("not-signed-in", again.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ATakenTenantNameAtSignUpIsAConflictAndABadOneIsAFieldError()
    {
        using var first = await host.NewTenantAsync("taken-name");
        using var client = host.NewClient();
        var taken = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "Taken-Name", email = "other@taken.example", password = "correct horse battery" }), HttpStatusCode.Conflict);
        Assert.Contains("taken-name", taken.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var bad = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "Acme Widgets", email = "other@taken.example", password = "correct horse battery" }), HttpStatusCode.BadRequest, "tenantName");
        Assert.Equal(Core.Tenants.TenantName.SlugProblem("Acme Widgets"), bad.GetProperty("errors").GetProperty("tenantName")[0].GetString());
    }
}
