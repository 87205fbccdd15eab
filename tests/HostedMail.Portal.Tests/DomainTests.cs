using System.Net;
using System.Text.Json;
using HostedMail.Portal.Dns;
using HostedMail.Testing.Dns;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Tests;

public sealed class DomainTests(PortalHost host) : IClassFixture<PortalHost>
{
    private static JsonElement Record(JsonElement records, string kind, string? namePrefix = null) =>
        records.GetProperty("records").EnumerateArray().First(r => r.GetProperty("kind").GetString() == kind && (namePrefix is null || r.GetProperty("name").GetString()!.StartsWith(namePrefix, StringComparison.Ordinal)));

    [Fact]
    public async Task AnIdnDomainIsStoredAsPunycodeAndBadNamesAreFieldErrors()
    {
        using var client = await host.NewTenantAsync("idn");
        var added = await client.PostJsonAsync("/api/v1/domains", new { name = "Bücher.Example." }, HttpStatusCode.Created);
        Assert.Equal("xn--bcher-kva.example", added.GetProperty("name").GetString());
        Assert.Equal("bücher.example", added.GetProperty("displayName").GetString());
        Assert.Equal("pending", added.GetProperty("state").GetString());
        Assert.Equal("_hostedmail.xn--bcher-kva.example", added.GetProperty("verificationRecord").GetProperty("name").GetString());
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "bücher.example" }), HttpStatusCode.Conflict);
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "not a domain" }), HttpStatusCode.BadRequest, "name");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "192.0.2.1" }), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task VerificationFollowsTheTxtRecordMissingWrongCorrectAndThenRemoved()
    {
        using var client = await host.NewTenantAsync("verify");
        var added = await client.PostJsonAsync("/api/v1/domains", new { name = "verify.example" }, HttpStatusCode.Created);
        var id = added.GetProperty("id").GetInt64();
        var expected = added.GetProperty("verificationRecord").GetProperty("value").GetString()!;

        var missing = await client.PostJsonAsync($"/api/v1/domains/{id}/verify", null, HttpStatusCode.OK);
        Assert.False(missing.GetProperty("verified").GetBoolean());
        Assert.Equal("missing", missing.GetProperty("status").GetString());

        host.Dns.Add("_hostedmail.verify.example", TestDnsRecord.Txt("hostedmail-verification=somebodyelse"));
        var wrong = await client.PostJsonAsync($"/api/v1/domains/{id}/verify", null, HttpStatusCode.OK);
        Assert.Equal("wrong", wrong.GetProperty("status").GetString());
        Assert.Equal("hostedmail-verification=somebodyelse", wrong.GetProperty("found")[0].GetString());
        Assert.Equal(expected, wrong.GetProperty("expected").GetString());

        host.Dns.Remove("_hostedmail.verify.example");
        host.Dns.Add("_hostedmail.verify.example", TestDnsRecord.Txt(expected));
        var correct = await client.PostJsonAsync($"/api/v1/domains/{id}/verify", null, HttpStatusCode.OK);
        Assert.True(correct.GetProperty("verified").GetBoolean());
        Assert.Equal("dns", correct.GetProperty("domain").GetProperty("verifiedBy").GetString());

        // Removed later: the domain stays verified (ownership was proven), the record shows as missing.
        host.Dns.Remove("_hostedmail.verify.example");
        var records = await client.GetJsonAsync($"/api/v1/domains/{id}/records");
        Assert.Equal("missing", Record(records, "ownership").GetProperty("status").GetString());
        Assert.Equal("verified", (await client.GetJsonAsync($"/api/v1/domains/{id}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task ADomainVerifiedByAnotherTenantIsRefused()
    {
        using var first = await host.NewTenantAsync("taken-a");
        await host.AddVerifiedDomainAsync(first, "taken.example");
        using var second = await host.NewTenantAsync("taken-b");
        var problem = await PortalClient.ExpectProblemAsync(await second.PostAsync("/api/v1/domains", new { name = "TAKEN.example" }), HttpStatusCode.Conflict);
        Assert.Contains("another tenant", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task RecordsShowOkMissingAndWrongWithWhatWasFound()
    {
        using var client = await host.NewTenantAsync("records");
        var id = await host.AddVerifiedDomainAsync(client, "records.example");
        var before = await client.GetJsonAsync($"/api/v1/domains/{id}/records");
        Assert.Equal("missing", Record(before, "mx").GetProperty("status").GetString());
        var dkim = Record(before, "dkim");
        Assert.Equal("missing", dkim.GetProperty("status").GetString());
        Assert.StartsWith("v=DKIM1; k=rsa; p=", dkim.GetProperty("expected").GetString());

        host.Dns.Add("records.example", TestDnsRecord.Mx(10, "mx.elsewhere.example"), TestDnsRecord.Txt("v=spf1 include:_spf.google.com ~all"), TestDnsRecord.Txt("google-site-verification=x"));
        host.Dns.Add(dkim.GetProperty("name").GetString()!, TestDnsRecord.Txt(SplitTxt(dkim.GetProperty("expected").GetString()!)));
        host.Dns.Add("_dmarc.records.example", TestDnsRecord.Txt("v=DMARC1; p=none"));
        host.Dns.Add("autoconfig.records.example", TestDnsRecord.Cname(PortalHost.WebHost));
        host.Dns.Add("_imaps._tcp.records.example", TestDnsRecord.Srv(0, 1, 993, PortalHost.MailHost));
        host.Dns.Add("_submissions._tcp.records.example", TestDnsRecord.Srv(0, 1, 4465, PortalHost.MailHost));
        var after = await client.GetJsonAsync($"/api/v1/domains/{id}/records");
        var mx = Record(after, "mx");
        Assert.Equal("wrong", mx.GetProperty("status").GetString());
        Assert.Equal("10 mx.elsewhere.example.", mx.GetProperty("found")[0].GetString());
        var spf = Record(after, "spf");
        Assert.Equal("wrong", spf.GetProperty("status").GetString());
        Assert.Single(spf.GetProperty("found").EnumerateArray());
        Assert.Equal("ok", Record(after, "dkim").GetProperty("status").GetString());
        Assert.Equal("ok", Record(after, "dmarc").GetProperty("status").GetString());
        Assert.Equal("ok", Record(after, "autoconfig").GetProperty("status").GetString());
        Assert.Equal("ok", Record(after, "srv", "_imaps.").GetProperty("status").GetString());
        Assert.Equal("wrong", Record(after, "srv", "_submissions.").GetProperty("status").GetString());
        Assert.Equal("missing", Record(after, "mta-sts").GetProperty("status").GetString());

        host.Dns.Remove("records.example");
        host.Dns.Add("records.example", TestDnsRecord.Mx(10, PortalHost.MailHost), TestDnsRecord.Txt("v=spf1 include:_spf.hostedmail.test ~all"));
        var fixedUp = await client.GetJsonAsync($"/api/v1/domains/{id}/records");
        Assert.Equal("ok", Record(fixedUp, "mx").GetProperty("status").GetString());
        Assert.Equal("ok", Record(fixedUp, "spf").GetProperty("status").GetString());
        Assert.Contains("records.example.\t3600\tIN\tMX\t10 mx.hostedmail.test.", fixedUp.GetProperty("zoneFile").GetString());

        var zone = await client.GetAsync($"/api/v1/domains/{id}/zone");
        Assert.Equal("text/plain", zone.Content.Headers.ContentType?.MediaType);
        var text = await zone.Content.ReadAsStringAsync();
        Assert.Contains("_mta-sts.records.example.", text);
        Assert.Contains("( \"v=DKIM1; k=rsa; p=", text);   // split into 255-octet strings
    }

    [Fact]
    public async Task DkimRotationPublishesTwoSelectorsUntilTheOldOneIsRetired()
    {
        using var client = await host.NewTenantAsync("dkim");
        var id = await host.AddVerifiedDomainAsync(client, "dkim.example");
        var keys = (await client.GetJsonAsync($"/api/v1/domains/{id}/dkim")).GetProperty("items");
        var old = keys[0].GetProperty("selector").GetString()!;
        await PortalClient.ExpectProblemAsync(await client.DeleteAsync($"/api/v1/domains/{id}/dkim/{old}"), HttpStatusCode.Conflict);
        var rotated = await client.PostJsonAsync($"/api/v1/domains/{id}/dkim/rotate", null, HttpStatusCode.OK);
        Assert.NotEqual(old, rotated.GetProperty("selector").GetString());
        var records = await client.GetJsonAsync($"/api/v1/domains/{id}/records");
        Assert.Equal(2, records.GetProperty("records").EnumerateArray().Count(r => r.GetProperty("kind").GetString() == "dkim"));
        await PortalClient.ExpectProblemAsync(await client.PostAsync($"/api/v1/domains/{id}/dkim/rotate", null), HttpStatusCode.Conflict);
        await PortalClient.ExpectAsync(await client.DeleteAsync($"/api/v1/domains/{id}/dkim/{old}"), HttpStatusCode.NoContent);
        Assert.Single((await client.GetJsonAsync($"/api/v1/domains/{id}/dkim")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task TheBackgroundCheckVerifiesWithBackoffAndFlagsAnMxThatStopsPointingHere()
    {
        using var client = await host.NewTenantAsync("monitor");
        var added = await client.PostJsonAsync("/api/v1/domains", new { name = "monitor.example" }, HttpStatusCode.Created);
        var id = added.GetProperty("id").GetInt64();
        var monitor = host.Services.GetRequiredService<DomainMonitor>();

        host.Time.Advance(TimeSpan.FromMinutes(1));
        await monitor.RunDueAsync(CancellationToken.None);
        var health = (await client.GetJsonAsync($"/api/v1/domains/{id}")).GetProperty("health");
        Assert.Equal(1, health.GetProperty("failedChecks").GetInt32());
        var firstNext = health.GetProperty("nextCheckAt").GetDateTimeOffset();

        host.Time.Advance(firstNext - host.Time.GetUtcNow());
        await monitor.RunDueAsync(CancellationToken.None);
        health = (await client.GetJsonAsync($"/api/v1/domains/{id}")).GetProperty("health");
        Assert.Equal(2, health.GetProperty("failedChecks").GetInt32());
        Assert.Equal(TimeSpan.FromMinutes(2), health.GetProperty("nextCheckAt").GetDateTimeOffset() - host.Time.GetUtcNow());

        host.Dns.Add("_hostedmail.monitor.example", TestDnsRecord.Txt(added.GetProperty("verificationRecord").GetProperty("value").GetString()!));
        host.Dns.Add("monitor.example", TestDnsRecord.Mx(10, PortalHost.MailHost));
        host.Time.Advance(TimeSpan.FromMinutes(2));
        await monitor.RunDueAsync(CancellationToken.None);
        var domain = await client.GetJsonAsync($"/api/v1/domains/{id}");
        Assert.Equal("verified", domain.GetProperty("state").GetString());
        Assert.Equal("ok", domain.GetProperty("health").GetProperty("mxStatus").GetString());

        host.Dns.Remove("monitor.example", TestDnsRecordType.MX);
        host.Dns.Add("monitor.example", TestDnsRecord.Mx(5, "mx.competitor.example"));
        host.Time.Advance(TimeSpan.FromHours(6));
        await monitor.RunDueAsync(CancellationToken.None);
        domain = await client.GetJsonAsync($"/api/v1/domains/{id}");
        Assert.Equal("verified", domain.GetProperty("state").GetString());
        Assert.Equal("wrong", domain.GetProperty("health").GetProperty("mxStatus").GetString());
        Assert.NotEqual(JsonValueKind.Null, domain.GetProperty("health").GetProperty("mxProblemSince").ValueKind);
        await client.LoginAsync("owner@monitor.example", "correct horse battery");
        var audit = await client.GetJsonAsync("/api/v1/audit");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "domain.mx-lost");
    }

    [Fact]
    public async Task PlanLimitsRefuseTheFourthDomain()
    {
        using var client = await host.NewTenantAsync("limits");
        for (var i = 0; i < 3; i++)
        {
            await client.PostJsonAsync("/api/v1/domains", new { name = $"d{i}.limits.example" }, HttpStatusCode.Created);
        }

        var problem = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/domains", new { name = "d3.limits.example" }), HttpStatusCode.Forbidden);
        Assert.EndsWith("plan-limit", problem.GetProperty("type").GetString());
        Assert.Equal("domains", problem.GetProperty("limit").GetString());
        var tenant = await client.GetJsonAsync("/api/v1/tenant");
        Assert.Equal(3, tenant.GetProperty("usage").GetProperty("domains").GetInt32());
        Assert.Equal(3, tenant.GetProperty("limits").GetProperty("maxDomains").GetInt32());
    }

    [Fact]
    public async Task DeletingADomainRemovesIt()
    {
        using var client = await host.NewTenantAsync("deldomain");
        var id = await host.AddVerifiedDomainAsync(client, "deldomain.example");
        await PortalClient.ExpectAsync(await client.DeleteAsync($"/api/v1/domains/{id}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await client.GetAsync($"/api/v1/domains/{id}"), HttpStatusCode.NotFound);
    }

    private static string[] SplitTxt(string value) => value.Chunk(255).Select(c => new string(c)).ToArray();
}
