using HostedMail.Server.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Node;

/// <summary>A node built by <see cref="NodeHost.Build"/> in the test process, its HTTP listener on a free loopback port.</summary>
internal sealed class InProcessNode(WebApplication app, Uri address) : IAsyncDisposable
{
    public Uri Address { get; } = address;

    /// <summary>The node's settings for <paramref name="connectionString"/> plus <paramref name="extra"/>.</summary>
    public static WebApplication Build(string connectionString, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = connectionString,
            ["Http:Urls"] = "http://127.0.0.1:0",
            ["Orleans:SiloPort"] = "0",
            ["Orleans:GatewayPort"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return NodeHost.Build(settings);
    }

    public static async Task<InProcessNode> StartAsync(string connectionString, bool migrate = true, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var app = Build(connectionString, extra);
        if (migrate)
        {
            await NodeHost.MigrateOnStartAsync(app, CancellationToken.None);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessNode(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
