using System.Net;
using System.Text.Json;
using Npgsql;

namespace HostedMail.Portal.Tests;

/// <summary>The audit log filtered on the server: by action or kind, actor, target and time; paged with the cursor; only ever the caller's tenant.</summary>
public sealed class AuditFilterTests(PortalHost host) : IClassFixture<PortalHost>
{
    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    private static List<string> Actions(JsonElement page) => [.. Items(page).Select(i => i.GetProperty("action").GetString()!)];

    /// <summary>Two tenants doing the same kinds of things, so every filter would match the other's rows too if it were not tenant-scoped.</summary>
    private async Task<(PortalClient A, PortalClient B)> TwoBusyTenantsAsync(string prefix)
    {
        var a = await host.NewTenantAsync($"{prefix}-a");
        await host.AddVerifiedDomainAsync(a, $"{prefix}-a.example");
        await a.PostJsonAsync("/api/v1/mailboxes", new { address = $"anna@{prefix}-a.example", password = "a long passphrase" }, HttpStatusCode.Created);
        await a.PostJsonAsync("/api/v1/users", new { email = $"helper@{prefix}-a.example", role = "read_only" }, HttpStatusCode.Created);

        var b = await host.NewTenantAsync($"{prefix}-b");
        await host.AddVerifiedDomainAsync(b, $"{prefix}-b-secret.example");
        await b.PostJsonAsync("/api/v1/mailboxes", new { address = $"anna@{prefix}-b-secret.example", password = "a long passphrase" }, HttpStatusCode.Created);
        await b.PostJsonAsync("/api/v1/aliases", new { address = $"sales@{prefix}-b-secret.example", targets = new[] { $"anna@{prefix}-b-secret.example" } }, HttpStatusCode.Created);
        return (a, b);
    }

    [Fact]
    public async Task AnActionOrItsKindSelectsThoseEntriesOnlyAndNeverAnotherTenants()
    {
        var (a, b) = await TwoBusyTenantsAsync("af-kind");
        using var _a = a;
        using var _b = b;

        var kind = await a.GetJsonAsync("/api/v1/audit?action=domain");
        Assert.Equal(["domain.verify", "domain.add"], Actions(kind));
        Assert.Equal(2, kind.GetProperty("total").GetInt32());
        Assert.All(Items(kind), i => Assert.Equal("af-kind-a.example", i.GetProperty("target").GetString()));

        var exact = await a.GetJsonAsync("/api/v1/audit?action=mailbox.create");
        Assert.Equal(["mailbox.create"], Actions(exact));
        Assert.Equal("anna@af-kind-a.example", Items(exact)[0].GetProperty("target").GetString());

        // A kind is the whole part before the dot: "domain.v" and "dom" are neither an action nor a kind.
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?action=domain.v")));
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?action=dom")));

        // B created an alias, A did not: A's log has none, whatever it asks.
        var alias = await a.GetJsonAsync("/api/v1/audit?action=alias");
        Assert.Empty(Items(alias));
        Assert.Equal(0, alias.GetProperty("total").GetInt32());
        Assert.Equal(["alias.create"], Actions(await b.GetJsonAsync("/api/v1/audit?action=alias")));

        // The actions to choose from are A's own.
        var choices = (await a.GetJsonAsync("/api/v1/audit/actions")).GetProperty("items").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("domain.verify", choices);
        Assert.Contains("user.invite", choices);
        Assert.DoesNotContain("alias.create", choices);
        Assert.Equal(choices.Order(StringComparer.Ordinal), choices);
    }

    [Fact]
    public async Task ActorAndTargetMatchPartOfTheTextInAnyCaseWithinTheTenant()
    {
        var (a, b) = await TwoBusyTenantsAsync("af-text");
        using var _a = a;
        using var _b = b;

        // "OWNER@AF-TEXT" is part of both owners' actor names; A sees only its own.
        var byActor = await a.GetJsonAsync("/api/v1/audit?actor=OWNER@AF-TEXT&limit=200");
        Assert.NotEmpty(Items(byActor));
        Assert.All(Items(byActor), i => Assert.Equal("user:owner@af-text-a.example", i.GetProperty("actor").GetString()));
        Assert.Equal(Items(byActor).Count, byActor.GetProperty("total").GetInt32());
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?actor=af-text-b")));

        var byTarget = await a.GetJsonAsync("/api/v1/audit?target=ANNA@");
        Assert.Equal(["mailbox.create"], Actions(byTarget));
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?target=secret")));
        Assert.NotEmpty(Items(await b.GetJsonAsync("/api/v1/audit?target=secret")));

        // A percent sign is a character to find, not a pattern that matches everything.
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?target=%25")));

        // Filters combine.
        Assert.Equal(["domain.verify"], Actions(await a.GetJsonAsync("/api/v1/audit?action=domain.verify&actor=owner&target=af-text-a")));
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?action=mailbox&target=helper")));
    }

    [Fact]
    public async Task ADateRangeSelectsEntriesFromSinceUpToButNotIncludingUntil()
    {
        var (a, b) = await TwoBusyTenantsAsync("af-time");
        using var _a = a;
        using var _b = b;

        // Entries are stamped by the database clock: place A's domain entries and B's whole log on known days.
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await using var move = new NpgsqlCommand("""
                UPDATE audit_log SET occurred_at = CASE action WHEN 'domain.add' THEN timestamptz '2026-03-01 10:00Z' ELSE timestamptz '2026-03-02 10:00Z' END
                WHERE tenant_id = @a AND action LIKE 'domain.%';
                UPDATE audit_log SET occurred_at = timestamptz '2026-03-01 12:00Z' WHERE tenant_id = @b;
                """, connection);
            move.Parameters.Add(new NpgsqlParameter("a", a.TenantId));
            move.Parameters.Add(new NpgsqlParameter("b", b.TenantId));
            await move.ExecuteNonQueryAsync();
        }

        Assert.Equal(["domain.verify", "domain.add"], Actions(await a.GetJsonAsync("/api/v1/audit?since=2026-03-01&until=2026-03-03")));
        Assert.Equal(["domain.add"], Actions(await a.GetJsonAsync("/api/v1/audit?since=2026-03-01&until=2026-03-02")));
        // Since is inclusive, until exclusive, to the instant; offsets are honoured.
        Assert.Equal(["domain.verify"], Actions(await a.GetJsonAsync("/api/v1/audit?since=2026-03-02T10:00:00Z&until=2026-03-02T10:00:01Z")));
        Assert.Empty(Items(await a.GetJsonAsync("/api/v1/audit?since=2026-03-01T09:00:00Z&until=2026-03-01T11:00:00%2B01:00")));
        Assert.Equal(["domain.add"], Actions(await a.GetJsonAsync("/api/v1/audit?since=2026-03-01T09:00:00Z&until=2026-03-01T12:00:00%2B01:00")));
        // The rest of A's log (now) is after the range; B's rows in the range never show.
        var until = await a.GetJsonAsync("/api/v1/audit?until=2026-06-01&limit=200");
        Assert.Equal(2, until.GetProperty("total").GetInt32());
        var since = await a.GetJsonAsync("/api/v1/audit?since=2026-06-01&limit=200");
        Assert.DoesNotContain("domain.add", Actions(since));
        Assert.Contains("tenant.signup", Actions(since));
        Assert.Equal(["domain.verify", "domain.add"], Actions(await b.GetJsonAsync("/api/v1/audit?since=2026-03-01&until=2026-03-02&action=domain")));
    }

    [Fact]
    public async Task FilteredPagesFollowTheCursorAndCountOnlyWhatMatches()
    {
        var (a, b) = await TwoBusyTenantsAsync("af-page");
        using var _a = a;
        using var _b = b;
        for (var i = 0; i < 2; i++)
        {
            await a.PostJsonAsync("/api/v1/mailboxes", new { address = $"m{i}@af-page-a.example", password = "a long passphrase" }, HttpStatusCode.Created);
        }

        // Three mailbox.create in A (anna, m0, m1; the plan allows three), one in B; pages of two.
        var first = await a.GetJsonAsync("/api/v1/audit?action=mailbox.create&limit=2");
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal(["m1@af-page-a.example", "m0@af-page-a.example"], Items(first).Select(i => i.GetProperty("target").GetString()));
        var second = await a.GetJsonAsync($"/api/v1/audit?action=mailbox.create&limit=2&before={first.GetProperty("nextBefore").GetInt64()}");
        // The total counts what the cursor has left: the older entries that match.
        Assert.Equal(1, second.GetProperty("total").GetInt32());
        Assert.Equal(["anna@af-page-a.example"], Items(second).Select(i => i.GetProperty("target").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextBefore").ValueKind);
    }

    [Theory]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=2026-13-45", "until")]
    [InlineData("since=2026-03-02&until=2026-03-01", "until")]
    [InlineData("since=2026-03-02&until=2026-03-02", "until")]
    [InlineData("action=%01domain", "action")]
    public async Task ABadFilterIsRefusedNamingIt(string query, string field)
    {
        using var a = await host.NewTenantAsync($"af-bad-{field}-{Math.Abs(query.GetHashCode(StringComparison.Ordinal)) % 100000}");
        await PortalClient.ExpectProblemAsync(await a.GetAsync("/api/v1/audit?" + query), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task AnOverlongActorIsRefusedNamingIt()
    {
        using var a = await host.NewTenantAsync("af-long");
        await PortalClient.ExpectProblemAsync(await a.GetAsync("/api/v1/audit?actor=" + new string('x', 201)), HttpStatusCode.BadRequest, "actor");
        Assert.NotEmpty(Items(await a.GetJsonAsync("/api/v1/audit?actor=" + new string('x', 0))));
    }
}
