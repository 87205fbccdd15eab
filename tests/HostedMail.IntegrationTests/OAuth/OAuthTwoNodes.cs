using System.Globalization;
using HostedMail.Identity.OAuth;
using HostedMail.Net;
using HostedMail.Server.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Two OAuth nodes on one database, one cluster, both in this process (so the test can move the
/// authorization server's clock on both): node A is the <see cref="OAuthNode"/>, node B has its
/// own HTTP, IMAPS and POP3S listeners and the same issuer (the issuer is the service's name, the
/// same on every node behind a balancer). The OAuth clock starts ten minutes before a signing-key
/// rotation; <see cref="Clock"/> moves it.
/// </summary>
public sealed class OAuthTwoNodes : OAuthNode, IAsyncLifetime
{
    private WebApplication? nodeB;

    public OAuthTwoNodes()
    {
        // KeyRotationDays is 30 (the default): the next period starts at a multiple of 30 days.
        var now = TimeProvider.System.GetUtcNow();
        const long period = 30 * 86400;
        var boundary = DateTimeOffset.FromUnixTimeSeconds(((now.ToUnixTimeSeconds() / period) + 1) * period);
        Clock = new ShiftedClock(boundary - TimeSpan.FromMinutes(10) - now);
    }

    public ShiftedClock Clock { get; }

    public int HttpPortB { get; } = FreePorts.Next();

    public Uri NodeA => new(Issuer);

    public Uri NodeB => new($"http://127.0.0.1:{HttpPortB.ToString(CultureInfo.InvariantCulture)}/");

    public int ImapsPortB => nodeB!.Services.GetRequiredService<MailListenerRegistry>().EndPoint("imaps").Port;

    public IServiceProvider ServicesB => nodeB!.Services;

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var settings = Settings();
        settings["Http:Urls"] = NodeB.AbsoluteUri.TrimEnd('/');
        settings["Database:MigrateOnStart"] = "false";
        nodeB = NodeHost.Build(settings, ConfigureServices);
        await nodeB.StartAsync();
    }

    public new async Task DisposeAsync()
    {
        if (nodeB is not null)
        {
            await nodeB.StopAsync();
            await nodeB.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override void ConfigureServices(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton(new OAuthClock(Clock)));

    /// <summary>The real time plus an offset the test moves forward.</summary>
    public sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public TimeSpan Offset { get; private set; } = offset;

        public void Advance(TimeSpan by) => Offset += by;

        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + Offset;
    }
}
