using System.Net;

namespace HostedMail.Portal.Tests;

/// <summary>
/// Issue 18 item 5: budgets stop attackers, not people. Each test starts its own node(s) with small
/// budgets, since every request of a test comes from 127.0.0.1.
/// </summary>
public sealed class RateLimitTests
{
    private static Dictionary<string, string?> Budgets(int perHour) => new()
    {
        ["Portal:RateLimits:SignUpPerHour"] = perHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Portal:RateLimits:ConfirmPerHour"] = perHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Portal:RateLimits:ResendPerHour"] = perHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Portal:RateLimits:PasswordResetPerHour"] = perHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Portal:RateLimits:ResetConfirmPerHour"] = perHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task LoginIsRateLimitedPerAddressWithRetryAfter()
    {
        await using var host = await StartAsync(new() { ["Portal:RateLimits:LoginPerMinute"] = "3" });
        using var client = host.NewClient();
        for (var i = 0; i < 3; i++)
        {
            await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/login", new { email = "x@y.example", password = "whatever it is" }), HttpStatusCode.Unauthorized);
        }

        var limited = await client.PostAsync("/api/v1/auth/login", new { email = "x@y.example", password = "whatever it is" });
        await PortalClient.ExpectProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal("60", limited.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task TyposInTheSignUpFormDoNotUseUpTheBudget()
    {
        await using var host = await StartAsync(Budgets(2));
        using var client = host.NewClient();
        for (var i = 0; i < 5; i++)
        {
            await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "typo-co", email = "owner@typo.example", password = "short" }), HttpStatusCode.BadRequest, "password");
        }

        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "typo-co", email = "owner@typo.example", password = "correct horse battery" }), HttpStatusCode.Created);
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "typo-two", email = "owner@typo-two.example", password = "correct horse battery" }), HttpStatusCode.Created);
        var refused = await client.PostAsync("/api/v1/auth/signup", new { tenantName = "typo-three", email = "owner@typo-three.example", password = "correct horse battery" });
        await PortalClient.ExpectProblemAsync(refused, HttpStatusCode.TooManyRequests);
        // The fixed hour started at 12:00:00 on the test clock.
        Assert.Equal("3600", refused.Headers.RetryAfter?.ToString());
        host.Time.Advance(TimeSpan.FromMinutes(30));
        var later = await client.PostAsync("/api/v1/auth/signup", new { tenantName = "typo-three", email = "owner@typo-three.example", password = "correct horse battery" });
        await PortalClient.ExpectProblemAsync(later, HttpStatusCode.TooManyRequests);
        Assert.Equal("1800", later.Headers.RetryAfter?.ToString());
        host.Time.Advance(TimeSpan.FromMinutes(30));
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "typo-three", email = "owner@typo-three.example", password = "correct horse battery" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task WrongTokensCountSoGuessingIsLimited()
    {
        await using var host = await StartAsync(Budgets(2));
        using var client = host.NewClient();
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token = "guess1" }), HttpStatusCode.BadRequest, "token");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token = "guess2" }), HttpStatusCode.BadRequest, "token");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token = "guess3" }), HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task ConfirmationResendResetAndResetConfirmationHaveSeparateBudgets()
    {
        await using var host = await StartAsync(Budgets(2));
        using var client = host.NewClient();
        for (var i = 0; i < 2; i++)
        {
            await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/password-reset", new { email = $"someone{i}@reset.example" }), HttpStatusCode.Accepted);
        }

        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/password-reset", new { email = "someone@reset.example" }), HttpStatusCode.TooManyRequests);

        // The reset budget is spent; the others are untouched.
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/confirm-email/resend", new { email = "someone@reset.example" }), HttpStatusCode.Accepted);
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/confirm-email", new { token = "wrong" }), HttpStatusCode.BadRequest, "token");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/auth/password-reset/confirm", new { token = "wrong", newPassword = "a brand new passphrase" }), HttpStatusCode.BadRequest, "token");
        await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/signup", new { tenantName = "separate", email = "owner@separate.example", password = "correct horse battery" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task TheBudgetCountsAcrossNodes()
    {
        await using var first = await StartAsync(Budgets(2));
        await using var second = await StartAsync(Budgets(2), first);
        using var a = first.NewClient();
        using var b = second.NewClient();
        await PortalClient.ExpectAsync(await a.PostAsync("/api/v1/auth/password-reset", new { email = "x@nodes.example" }), HttpStatusCode.Accepted);
        await PortalClient.ExpectAsync(await b.PostAsync("/api/v1/auth/password-reset", new { email = "x@nodes.example" }), HttpStatusCode.Accepted);
        // Per node this would be the first node's second request, still allowed.
        await PortalClient.ExpectProblemAsync(await a.PostAsync("/api/v1/auth/password-reset", new { email = "x@nodes.example" }), HttpStatusCode.TooManyRequests);
        await PortalClient.ExpectProblemAsync(await b.PostAsync("/api/v1/auth/password-reset", new { email = "x@nodes.example" }), HttpStatusCode.TooManyRequests);
    }

    private static async Task<PortalHost> StartAsync(Dictionary<string, string?> settings, PortalHost? sameDatabaseAs = null)
    {
        var host = sameDatabaseAs is null ? new PortalHost(settings) : new PortalHost(settings, sameDatabaseAs);
        await host.InitializeAsync();
        return host;
    }
}
