using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace HostedMail.Portal.Tests;

/// <summary>The Security page's "sign out" on another session: only one's own sessions, and the ended session's cookie is refused for good.</summary>
public sealed class SessionRevocationTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task EndingAnotherOfMySessionsRefusesItsCookieForReadsAndChangesAfterwards()
    {
        using var phone = await host.NewTenantAsync("sessions-end");
        using var laptop = host.NewClient();
        await laptop.LoginAsync("owner@sessions-end.example", "correct horse battery");
        await laptop.GetJsonAsync("/api/v1/auth/session");

        // A colleague in the same tenant, signed in: their session is not the owner's to end.
        await phone.PostJsonAsync("/api/v1/users", new { email = "admin@sessions-end.example", role = "admin" }, HttpStatusCode.Created);
        using var colleague = host.NewClient();
        await PortalClient.ExpectAsync(await colleague.PostAsync("/api/v1/auth/password-reset/confirm",
            new { token = host.Mail.TokenFor("admin@sessions-end.example"), newPassword = "another long passphrase" }), HttpStatusCode.NoContent);
        await colleague.LoginAsync("admin@sessions-end.example", "another long passphrase");
        var colleagueSession = (await colleague.GetJsonAsync("/api/v1/account/sessions")).GetProperty("items")[0].GetProperty("id").GetInt64();

        var mine = (await phone.GetJsonAsync("/api/v1/account/sessions")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, mine.Count);
        Assert.DoesNotContain(mine, s => s.GetProperty("id").GetInt64() == colleagueSession);
        var laptopSession = mine.Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetInt64();
        await PortalClient.ExpectProblemAsync(await phone.DeleteAsync($"/api/v1/account/sessions/{colleagueSession}"), HttpStatusCode.NotFound);
        await colleague.GetJsonAsync("/api/v1/auth/session");

        // The laptop's cookie and CSRF token, as a client that ignores the server's deletion would keep them.
        var cookie = Assert.Single(laptop.Cookies.GetCookies(host.BaseAddress));
        var csrf = laptop.Csrf!;

        await PortalClient.ExpectAsync(await phone.DeleteAsync($"/api/v1/account/sessions/{laptopSession}"), HttpStatusCode.NoContent);

        var left = (await phone.GetJsonAsync("/api/v1/account/sessions")).GetProperty("items").EnumerateArray().ToList();
        Assert.True(Assert.Single(left).GetProperty("current").GetBoolean());

        using var replay = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = host.BaseAddress };
        using (var read = new HttpRequestMessage(HttpMethod.Get, "/api/v1/domains"))
        {
            read.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            using var response = await replay.SendAsync(read);
            var problem = await PortalClient.ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.EndsWith("/session-expired", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            // The browser is told to drop the cookie.
            Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(cookie.Name + "=;", StringComparison.Ordinal));
        }

        using (var change = new HttpRequestMessage(HttpMethod.Post, "/api/v1/domains") { Content = JsonContent.Create(new { name = "from-the-laptop.example" }) })
        {
            change.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            change.Headers.Add("X-CSRF-Token", csrf);
            using var response = await replay.SendAsync(change);
            await PortalClient.ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        Assert.Equal(0, (await phone.GetJsonAsync("/api/v1/domains")).GetProperty("total").GetInt32());
        await PortalClient.ExpectProblemAsync(await laptop.GetAsync("/api/v1/auth/session"), HttpStatusCode.Unauthorized);
        // Ended once: a second time there is nothing to end. The other sessions go on.
        await PortalClient.ExpectProblemAsync(await phone.DeleteAsync($"/api/v1/account/sessions/{laptopSession}"), HttpStatusCode.NotFound);
        await phone.GetJsonAsync("/api/v1/auth/session");
        await colleague.GetJsonAsync("/api/v1/auth/session");
        Assert.Contains((await phone.GetJsonAsync("/api/v1/audit?action=user.session-revoke")).GetProperty("items").EnumerateArray(),
            e => e.GetProperty("actor").GetString() == "user:owner@sessions-end.example");
    }
}
