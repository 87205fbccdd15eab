using HostedMail.Billing;
using HostedMail.Server.Node;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Billing;

/// <summary>A second node's billing on the first node's database: its own connection pool, stores and processor (what a second <c>hostedmail serve</c> composes).</summary>
public sealed class SecondBillingNode(BillingNode first) : IAsyncDisposable
{
    private ServiceProvider? provider;

    public StripeWebhookProcessor Processor => provider!.GetRequiredService<StripeWebhookProcessor>();

    public Task StartAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(first.Settings()).Build();
        var services = new ServiceCollection().AddHostedMailCore(configuration);
        services.AddSingleton<TimeProvider>(first.Clock);
        services.AddSingleton<IBillingNotifier>(first.Notices);
        provider = services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (provider is not null)
        {
            await provider.DisposeAsync();
        }
    }
}
