using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HostedMail.Net;
using HostedMail.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Operations;

/// <summary>A node with an IMAP listener and an operator token.</summary>
public sealed class OperatorNode : MailNode
{
    public const string OperatorToken = "operator-test-token-7f3a9c";

    public int ImapPort => EndPoint("imap").Port;

    /// <summary>The HTTP listener: the one server address that is not a mail listener's.</summary>
    public Uri HttpAddress
    {
        get
        {
            var registry = Services.GetRequiredService<MailListenerRegistry>();
            var mailPorts = registry.Names.Select(n => registry.EndPoint(n).Port).ToHashSet();
            return new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Single(a => !mailPorts.Contains(new Uri(a).Port)));
        }
    }

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Mail:Listeners:imap:Protocol"] = "imap";
        settings["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:0";
        settings["Imap:AllowPlaintextAuthentication"] = "true";
        settings["Portal:DomainChecks:Enabled"] = "false";
        settings["Operator:Token"] = OperatorToken;
        return settings;
    }
}

/// <summary>
/// Issue 14 item 4: /metrics shows real traffic moving the project's instruments and Orleans'
/// own, and the operator endpoints (metrics, Orleans Dashboard) refuse callers without the token.
/// </summary>
public sealed class OperatorEndpointsTests(OperatorNode node) : IClassFixture<OperatorNode>
{
    [Fact]
    public async Task MetricsCountASmtpDeliveryAnImapLoginAndAFailedLogin()
    {
        using var http = Operator();
        var before = Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        // One SMTP delivery from outside, through a real client; QUIT waits for 221, after DATA's metrics.
        var script = $$"""
            import smtplib, sys
            s = smtplib.SMTP('127.0.0.1', {{node.SmtpPort}}, timeout=30)
            s.sendmail('sender@outside.example', ['alice@acme.example'], sys.stdin.read().encode())
            s.quit()
            """;
        var result = await ExternalProcess.RunAsync("python3", ["-c", script], "From: <sender@outside.example>\r\nTo: <alice@acme.example>\r\nSubject: metrics\r\n\r\nbody\r\n");
        Assert.True(result.ExitCode == 0, result.ToString());

        // A failed and a good IMAP login; NOOP after them means both LOGINs were recorded.
        await using (var imap = await LineClient.ConnectAsync(node.ImapPort))
        {
            await imap.ReadLineAsync();
            Assert.StartsWith("a NO", await imap.ImapAsync("a LOGIN alice@acme.example \"wrong password\"\r\n", "a "), StringComparison.Ordinal);
            Assert.StartsWith("b OK", await imap.ImapAsync($"b LOGIN alice@acme.example \"{MailNode.Password}\"\r\n", "b "), StringComparison.Ordinal);
            Assert.StartsWith("c OK", await imap.ImapAsync("c NOOP\r\n", "c "), StringComparison.Ordinal);
        }

        var after = Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        // Other tests' nodes share the process (and the meters), so counters move by at least this much.
        Assert.True(Delta("hostedmail_smtp_messages_received_total", "smtp_role=\"mx\"") >= 1, Show("hostedmail_smtp_messages_received_total"));
        Assert.True(Delta("hostedmail_smtp_command_duration_seconds_count", "smtp_command=\"DATA\"") >= 1, Show("hostedmail_smtp_command_duration_seconds_count"));
        Assert.True(Delta("hostedmail_auth_attempts_total", "hostedmail_auth_result=\"failure\"") >= 1, Show("hostedmail_auth_attempts_total"));
        Assert.True(Delta("hostedmail_auth_attempts_total", "hostedmail_auth_result=\"success\"") >= 1, Show("hostedmail_auth_attempts_total"));
        Assert.True(Delta("hostedmail_imap_command_duration_seconds_count", "imap_command=\"LOGIN\"") >= 2, Show("hostedmail_imap_command_duration_seconds_count"));
        // Open sessions are an up-down counter per protocol.
        Assert.Contains(after.Keys, k => k.StartsWith("hostedmail_imap_active_sessions", StringComparison.Ordinal));
        // Orleans' own meter: the login's MailboxGrain is an activation. Its catalog gauge is
        // observable (read at collection) and one scrape under full load had none yet: ask again.
        var orleans = after;
        for (var i = 0; i < 20 && Sum(orleans, "orleans_catalog_activations", "") < 1; i++)
        {
            await Task.Delay(500);
            orleans = Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        }

        Assert.True(Sum(orleans, "orleans_catalog_activations", "") >= 1, string.Join("\n", orleans.Keys.Where(k => k.StartsWith("orleans_", StringComparison.Ordinal))));
        Assert.Contains(after.Keys, k => k.StartsWith("hostedmail_outbound_queue_depth", StringComparison.Ordinal));

        double Delta(string metric, string label) => Sum(after, metric, label) - Sum(before, metric, label);
        string Show(string metric) => string.Join("\n", after.Where(p => p.Key.StartsWith(metric, StringComparison.Ordinal)).Select(p => p.Key + " " + p.Value));
    }

    [Theory]
    [InlineData("/metrics", null)]
    [InlineData("/metrics", "Bearer not-the-token")]
    [InlineData("/dashboard", null)]
    [InlineData("/dashboard/", "Basic b3BlcmF0b3I6d3Jvbmc=")]
    public async Task OperatorEndpointsRefuseCallersWithoutTheToken(string path, string? authorization)
    {
        using var http = new HttpClient { BaseAddress = node.HttpAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hostedmail_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDashboardOpensWithTheTokenAsBasicPassword()
    {
        using var http = new HttpClient { BaseAddress = node.HttpAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + OperatorNode.OperatorToken)));
        var response = await http.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private HttpClient Operator()
    {
        var http = new HttpClient { BaseAddress = node.HttpAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorNode.OperatorToken);
        return http;
    }

    /// <summary>Prometheus text exposition: "name{labels} value [timestamp]" per sample, keyed by "name{labels}".</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOf('}', StringComparison.Ordinal);
            var space = line.IndexOf(' ', end < 0 ? 0 : end);
            var value = line[(space + 1)..].Split(' ')[0];
            samples[line[..space]] = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            };
        }

        return samples;
    }

    private static double Sum(Dictionary<string, double> samples, string metric, string label) =>
        samples.Where(p => (p.Key == metric || p.Key.StartsWith(metric + "{", StringComparison.Ordinal)) && p.Key.Contains(label, StringComparison.Ordinal)).Sum(p => p.Value);
}
