using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using HostedMail.Billing;
using HostedMail.Core.Audit;
using HostedMail.Core.Tenants;
using HostedMail.IntegrationTests.Outbound;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Billing;

/// <summary>A whole node whose billing talks to a <see cref="FakeStripe"/>, on a clock the test moves, with billing's mails captured.</summary>
public class BillingNode : MailNode, IAsyncLifetime
{
    public const string WebhookSecret = "whsec_current";
    public const string OldWebhookSecret = "whsec_previous";

    public FakeStripe Stripe { get; private set; } = null!;

    public ManualClock Clock { get; } = new();

    public CapturedNotices Notices { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    public new async Task InitializeAsync()
    {
        Stripe = await FakeStripe.StartAsync();
        await base.InitializeAsync();
        // The seed needs the business plan's limits (the CLI keeps to them); billing tests start from free.
        await Cli.OkAsync("tenant", "set-plan", "acme", "free");
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public new async Task DisposeAsync()
    {
        Http.Dispose();
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
    }

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Billing:SecretKey"] = FakeStripe.SecretKey;
        settings["Billing:ApiBase"] = Stripe.BaseAddress.ToString().TrimEnd('/');
        settings["Billing:WebhookSecrets:0"] = WebhookSecret;
        settings["Billing:WebhookSecrets:1"] = OldWebhookSecret;
        settings["Billing:RetryBaseDelay"] = "00:00:00";
        settings["Billing:DunningWorkerEnabled"] = "false";
        settings["Plans:free:MaxDomains"] = "1";
        settings["Plans:free:MaxMailboxes"] = "5";
        settings["Plans:free:MaxAliases"] = "20";
        settings["Plans:business:DisplayName"] = "Business";
        settings["Plans:business:MaxDomains"] = "20";
        settings["Plans:business:MaxMailboxes"] = "500";
        settings["Plans:business:MaxAliases"] = "5000";
        settings["Plans:business:MonthlyPriceId"] = "price_business_m";
        settings["Plans:business:YearlyPriceId"] = "price_business_y";
        settings["Plans:business:PerSeat"] = "true";
        settings["Plans:business:Features:0"] = "priority-support";
        return settings;
    }

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<IBillingNotifier>(Notices);
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task<long> TenantIdAsync(string name) => (await Get<TenantService>().GetAsync(name)).TenantId;

    /// <summary>A new tenant with a Stripe customer (made by a checkout, as a tenant would); returns its id and customer.</summary>
    public async Task<(long TenantId, string Customer)> NewCustomerAsync(string name)
    {
        await Cli.OkAsync("tenant", "create", name);
        var tenantId = await TenantIdAsync(name);
        await Get<TenantBilling>().CreateCheckoutAsync(tenantId, "business", "month", "owner@" + name + ".example", new Actor("test"), CancellationToken.None);
        var customer = (await Get<HostedMail.Core.Billing.ISubscriptionStore>().GetAsync(tenantId, CancellationToken.None)).CustomerId!;
        return (tenantId, customer);
    }

    /// <summary>POSTs an event to the webhook endpoint with the signature header given (or a correct one).</summary>
    public async Task<(int Status, string Text)> PostEventAsync(string body, string? signature = null)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, BillingExtensions.WebhookPath) { Content = content };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature ?? FakeStripe.Sign(body, Clock.GetUtcNow(), WebhookSecret));
        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Runs <c>hostedmail</c> with the node's configuration (billing's keys and the fake Stripe).</summary>
    public async Task<HostedMail.IntegrationTests.Cli.CliResult> BillingCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await HostedMail.Server.Cli.HostedMailCli.RunAsync(args, new StringReader(string.Empty), output, error, Settings());
        return new HostedMail.IntegrationTests.Cli.CliResult(code, output.ToString(), error.ToString());
    }

    public async Task<int> CountAsync(string sql, params (string Name, object Value)[] parameters) =>
        int.Parse(await QueryAsync(sql, parameters) ?? "0", CultureInfo.InvariantCulture);
}

/// <summary>Billing's mails to admins, kept for the assertions.</summary>
public sealed class CapturedNotices : IBillingNotifier
{
    public ConcurrentQueue<(long TenantId, string Subject, string Body)> Sent { get; } = new();

    public Task NotifyAdminsAsync(long tenantId, string subject, string body, CancellationToken cancellationToken)
    {
        Sent.Enqueue((tenantId, subject, body));
        return Task.CompletedTask;
    }

    public IReadOnlyList<(long TenantId, string Subject, string Body)> To(long tenantId) => Sent.Where(s => s.TenantId == tenantId).ToList();
}
