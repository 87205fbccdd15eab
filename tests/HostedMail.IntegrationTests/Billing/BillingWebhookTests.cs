using System.Globalization;
using HostedMail.Billing;
using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;

namespace HostedMail.IntegrationTests.Billing;

/// <summary>Checkout, the customer portal and the webhook endpoint against the fake Stripe: what is sent, what is refused, what is applied once.</summary>
public sealed class BillingWebhookTests(BillingNode node) : IClassFixture<BillingNode>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private DateTimeOffset Now => node.Clock.GetUtcNow();

    [Fact]
    public async Task CheckoutCreatesTheCustomerOnceAndRetriesWithTheSameIdempotencyKey()
    {
        await node.Cli.OkAsync("tenant", "create", "checkout-co");
        var tenantId = await node.TenantIdAsync("checkout-co");
        var billing = node.Get<TenantBilling>();
        node.Stripe.FailNext("/v1/checkout/sessions", 503, 429);

        var urls = await Task.WhenAll(
            billing.CreateCheckoutAsync(tenantId, "business", "month", "owner@checkout.example", new Actor("test"), None),
            billing.CreateCheckoutAsync(tenantId, "business", "year", "owner@checkout.example", new Actor("test"), None));

        Assert.All(urls, u => Assert.StartsWith("https://checkout.stripe.test/", u, StringComparison.Ordinal));
        var customerCalls = node.Stripe.RequestsTo("POST", "/v1/customers").Where(r => r.Form["metadata[tenant_id]"] == tenantId.ToString(CultureInfo.InvariantCulture)).ToList();
        // Two racing requests: one key, so Stripe made one customer, and the database holds that one.
        Assert.Equal(["customer-tenant-" + tenantId], customerCalls.Select(r => r.IdempotencyKey).Distinct());
        var customer = (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).CustomerId;
        Assert.NotNull(customer);
        var checkouts = node.Stripe.RequestsTo("POST", "/v1/checkout/sessions").Where(r => r.Form["customer"] == customer).ToList();
        // 503 and 429 were retried with the key of the first attempt; two sessions, four requests.
        Assert.Equal(4, checkouts.Count);
        Assert.Equal(2, checkouts.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.Contains(checkouts, r => r.Form["line_items[0][price]"] == "price_business_y");
        Assert.All(checkouts, r => Assert.Equal(tenantId.ToString(CultureInfo.InvariantCulture), r.Form["client_reference_id"]));
        var portal = await billing.CreatePortalSessionAsync(tenantId, null, new Actor("test"), None);
        Assert.StartsWith("https://billing.stripe.test/", portal, StringComparison.Ordinal);
        Assert.Empty(node.Stripe.Violations);
    }

    [Fact]
    public async Task ASignedCheckoutCompletedMovesTheTenantToThePaidPlanAndAReplayChangesNothing()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("paid-co");
        node.Stripe.SetSubscription("sub_paid", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));
        var body = FakeStripe.Event("evt_paid_1", "checkout.session.completed", FakeStripe.CheckoutSession(customer, tenantId.ToString(CultureInfo.InvariantCulture), "sub_paid"), Now);

        var (status, text) = await node.PostEventAsync(body);

        Assert.True(status == 200, text);
        Assert.Equal("business", (await node.Get<TenantService>().GetAsync("paid-co")).Plan);
        var held = await node.Get<ISubscriptionStore>().GetAsync(tenantId, None);
        Assert.Equal(("active", "business", "month", "sub_paid"), (held.Status, held.Plan, held.Interval, held.SubscriptionId));
        var audits = await node.CountAsync("SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action IN ('billing.subscription', 'tenant.set-plan')", ("t", tenantId));
        Assert.Equal(2, audits);
        var fetches = node.Stripe.RequestsTo("GET", "/v1/subscriptions/sub_paid").Count;

        var (again, againText) = await node.PostEventAsync(body);

        Assert.Equal(200, again);
        Assert.Contains("received before", againText, StringComparison.Ordinal);
        Assert.Equal(fetches, node.Stripe.RequestsTo("GET", "/v1/subscriptions/sub_paid").Count);
        Assert.Equal(audits, await node.CountAsync("SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action IN ('billing.subscription', 'tenant.set-plan')", ("t", tenantId)));
        Assert.Empty(node.Stripe.Violations);
    }

    [Fact]
    public async Task ForgedStaleAndTamperedSignaturesAreRefusedAndStoreNothingWhileARotatedSecretIsAccepted()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("sig-co");
        var subscription = node.Stripe.SetSubscription("sub_sig", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));
        var body = FakeStripe.Event("evt_sig_1", "customer.subscription.updated", subscription, Now);

        var forged = await node.PostEventAsync(body, FakeStripe.Sign(body, Now, "whsec_guessed"));
        var stale = await node.PostEventAsync(body, FakeStripe.Sign(body, Now.AddSeconds(-301), BillingNode.WebhookSecret));
        var tampered = await node.PostEventAsync(body.Replace("\"active\"", "\"canceled\"", StringComparison.Ordinal), FakeStripe.Sign(body, Now, BillingNode.WebhookSecret));
        var unsigned = await node.PostEventAsync(body, "");
        var garbage = await node.PostEventAsync(body, "t=abc,v1=zz");

        Assert.All([forged, stale, tampered, unsigned, garbage], r => Assert.Equal(400, r.Status));
        Assert.Contains("tolerance", stale.Text, StringComparison.Ordinal);
        Assert.Equal(0, await node.CountAsync("SELECT count(*) FROM billing_events WHERE event_id = 'evt_sig_1'"));
        Assert.Equal("none", (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).Status);

        // Rotation: Stripe signs with both secrets while the old one is phased out; either alone verifies.
        var rotated = await node.PostEventAsync(body, FakeStripe.Sign(body, Now, BillingNode.OldWebhookSecret));
        Assert.Equal(200, rotated.Status);
        Assert.Equal("active", (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).Status);
    }

    [Fact]
    public async Task TheSameEventToManyRequestsAtOnceIsAppliedOnce()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("race-co");
        node.Stripe.SetSubscription("sub_race", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));
        var body = FakeStripe.Event("evt_race_1", "invoice.paid", FakeStripe.Invoice(customer, "sub_race", 1200), Now);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => node.PostEventAsync(body)));

        Assert.All(results, r => Assert.Equal(200, r.Status));
        Assert.Single(results, r => r.Text.Contains(": applied:", StringComparison.Ordinal));
        Assert.Single(node.Stripe.RequestsTo("GET", "/v1/subscriptions/sub_race"));
        Assert.Equal(1, await node.CountAsync("SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action = 'billing.subscription'", ("t", tenantId)));
        Assert.Equal("applied", await node.QueryAsync("SELECT status FROM billing_events WHERE event_id = 'evt_race_1'"));
    }

    [Fact]
    public async Task TheSameEventAtTwoNodesOnOneDatabaseIsAppliedOnce()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("twonode-co");
        node.Stripe.SetSubscription("sub_two", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));
        var body = FakeStripe.Event("evt_two_1", "invoice.paid", FakeStripe.Invoice(customer, "sub_two", 1200), Now);
        var first = node.Get<StripeWebhookProcessor>();
        await using var second = new SecondBillingNode(node);
        await second.StartAsync();

        var signature = FakeStripe.Sign(body, Now, BillingNode.WebhookSecret);
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        var results = await Task.WhenAll(
            first.ReceiveAsync(bytes, signature, None), second.Processor.ReceiveAsync(bytes, signature, None),
            first.ReceiveAsync(bytes, signature, None), second.Processor.ReceiveAsync(bytes, signature, None));

        Assert.All(results, r => Assert.Equal(200, r.StatusCode));
        Assert.Single(results, r => r.Message.Contains(": applied:", StringComparison.Ordinal));
        Assert.Single(node.Stripe.RequestsTo("GET", "/v1/subscriptions/sub_two"));
        Assert.Equal(1, await node.CountAsync("SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action = 'billing.subscription'", ("t", tenantId)));
    }

    [Fact]
    public async Task AnUnknownCustomerIsRecordedAndChangesNothing()
    {
        var subscription = node.Stripe.SetSubscription("sub_ghost", "cus_ghost", "price_business_m", "active", 1, null, Now.AddDays(30));
        var before = await node.CountAsync("SELECT count(*) FROM audit_log");

        var (status, text) = await node.PostEventAsync(FakeStripe.Event("evt_ghost_1", "customer.subscription.created", subscription, Now));

        Assert.Equal(200, status);
        Assert.Contains("unknown customer", text, StringComparison.Ordinal);
        Assert.Equal("ignored", await node.QueryAsync("SELECT status FROM billing_events WHERE event_id = 'evt_ghost_1'"));
        Assert.Equal(before, await node.CountAsync("SELECT count(*) FROM audit_log"));
        Assert.Equal(0, await node.CountAsync("SELECT count(*) FROM billing_subscriptions WHERE subscription_id = 'sub_ghost'"));
    }

    [Fact]
    public async Task EventsOutOfOrderEndInStripesLatestState()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("order-co");
        var t0 = Now;
        var created = node.Stripe.SetSubscription("sub_order", customer, "price_business_m", "incomplete", 1, tenantId, t0.AddDays(30));
        var updated = node.Stripe.SetSubscription("sub_order", customer, "price_business_y", "active", 1, tenantId, t0.AddDays(365));

        // updated (newer) arrives before created (older): the older one is not trusted, the API's state is applied.
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_order_upd", "customer.subscription.updated", updated, t0.AddSeconds(5)))).Status);
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_order_new", "customer.subscription.created", created, t0))).Status);
        var held = await node.Get<ISubscriptionStore>().GetAsync(tenantId, None);
        Assert.Equal(("active", "year"), (held.Status, held.Interval));
        Assert.Equal("business", (await node.Get<TenantService>().GetAsync("order-co")).Plan);

        // deleted (newest) arrives before another updated: canceled stays, the free plan applies.
        var deleted = node.Stripe.SetSubscription("sub_order", customer, "price_business_y", "canceled", 1, tenantId, t0.AddDays(365));
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_order_del", "customer.subscription.deleted", deleted, t0.AddSeconds(20)))).Status);
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_order_upd2", "customer.subscription.updated", updated, t0.AddSeconds(10)))).Status);
        held = await node.Get<ISubscriptionStore>().GetAsync(tenantId, None);
        Assert.Equal("canceled", held.Status);
        Assert.Equal("free", (await node.Get<TenantService>().GetAsync("order-co")).Plan);
    }

    [Fact]
    public async Task AnEventForOneTenantCannotTouchAnother()
    {
        var (victimId, victimCustomer) = await node.NewCustomerAsync("victim-co");
        var (attackerId, attackerCustomer) = await node.NewCustomerAsync("attacker-co");
        node.Stripe.SetSubscription("sub_attacker", attackerCustomer, "price_business_m", "active", 1, attackerId, Now.AddDays(30));
        var victimSubscription = node.Stripe.SetSubscription("sub_victim", victimCustomer, "price_business_m", "active", 1, victimId, Now.AddDays(30));
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_victim_ok", "customer.subscription.created", victimSubscription, Now))).Status);
        var victimBefore = await node.Get<ISubscriptionStore>().GetAsync(victimId, None);

        // The attacker's checkout names the victim's tenant: refused, nothing changes for either.
        var session = FakeStripe.CheckoutSession(attackerCustomer, victimId.ToString(CultureInfo.InvariantCulture), "sub_attacker");
        var (s1, t1) = await node.PostEventAsync(FakeStripe.Event("evt_cross_1", "checkout.session.completed", session, Now.AddSeconds(1)));
        // A canceled subscription of the attacker's customer claiming the victim's tenant in its metadata.
        var cancel = node.Stripe.SetSubscription("sub_attacker", attackerCustomer, "price_business_m", "canceled", 1, victimId, Now.AddDays(30));
        var (s2, t2) = await node.PostEventAsync(FakeStripe.Event("evt_cross_2", "customer.subscription.deleted", cancel, Now.AddSeconds(2)));
        // The victim's subscription id under the attacker's customer.
        var (s3, _) = await node.PostEventAsync(FakeStripe.Event("evt_cross_3", "invoice.payment_failed", FakeStripe.Invoice(attackerCustomer, "sub_victim", 100), Now.AddSeconds(3)));

        Assert.Equal((200, 200), (s1, s2));
        Assert.Contains("refused", t1, StringComparison.Ordinal);
        Assert.Contains("refused", t2, StringComparison.Ordinal);
        Assert.Equal(500, s3);
        Assert.Equal(victimBefore, await node.Get<ISubscriptionStore>().GetAsync(victimId, None));
        Assert.Equal("none", (await node.Get<ISubscriptionStore>().GetAsync(attackerId, None)).Status);
        Assert.Equal("business", (await node.Get<TenantService>().GetAsync("victim-co")).Plan);
    }

    [Fact]
    public async Task AnEventOfAnotherApiVersionIsRecordedReportedAndAppliedFromTheApi()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("version-co");
        var subscription = node.Stripe.SetSubscription("sub_version", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));

        var (status, text) = await node.PostEventAsync(FakeStripe.Event("evt_version_1", "customer.subscription.created", subscription, Now, apiVersion: "2020-08-27"));

        Assert.Equal(200, status);
        Assert.Contains("2020-08-27", text, StringComparison.Ordinal);
        Assert.Equal("2020-08-27", await node.QueryAsync("SELECT api_version FROM billing_events WHERE event_id = 'evt_version_1'"));
        Assert.Contains("differs", await node.QueryAsync("SELECT detail FROM billing_events WHERE event_id = 'evt_version_1'"), StringComparison.Ordinal);
        Assert.Single(node.Stripe.RequestsTo("GET", "/v1/subscriptions/sub_version"));
        Assert.Equal("active", (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).Status);
        var events = await node.BillingCliAsync("billing", "events", "--tenant", "version-co");
        Assert.Equal(0, events.ExitCode);
        Assert.Contains("api 2020-08-27", events.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeatsFollowTheMailboxCount()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("seat-co");
        await node.Cli.OkAsync("domain", "add", "seat.example", "--tenant", "seat-co", "--verified");
        var mailboxes = node.Get<MailboxService>();
        await mailboxes.CreateAsync(tenantId, "one@seat.example", MailNode.Password, null, null, new Actor("test"));
        var subscription = node.Stripe.SetSubscription("sub_seat", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_seat_1", "customer.subscription.created", subscription, Now))).Status);

        await mailboxes.CreateAsync(tenantId, "two@seat.example", MailNode.Password, null, null, new Actor("test"));
        await mailboxes.CreateAsync(tenantId, "three@seat.example", MailNode.Password, null, null, new Actor("test"));
        Assert.Equal(3, (long)node.Stripe.Subscription("sub_seat")["items"]!["data"]![0]!["quantity"]!);
        await mailboxes.DeleteAsync(tenantId, "one@seat.example", new Actor("test"));

        Assert.Equal(2, (long)node.Stripe.Subscription("sub_seat")["items"]!["data"]![0]!["quantity"]!);
        Assert.Equal(2, (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).Seats);
        Assert.All(node.Stripe.RequestsTo("POST", "/v1/subscription_items/si_sub_seat"), r => Assert.NotNull(r.IdempotencyKey));
        Assert.Empty(node.Stripe.Violations);
    }

    [Fact]
    public async Task TheOperatorShowsResyncsAndReplays()
    {
        var (tenantId, customer) = await node.NewCustomerAsync("cli-co");
        node.Stripe.SetSubscription("sub_cli", customer, "price_business_m", "active", 1, tenantId, Now.AddDays(30));
        Assert.Equal(200, (await node.PostEventAsync(FakeStripe.Event("evt_cli_1", "invoice.paid", FakeStripe.Invoice(customer, "sub_cli", 1200), Now))).Status);
        // Stripe changed meanwhile and the event was lost: resync reads it.
        node.Stripe.SetSubscription("sub_cli", customer, "price_business_m", "past_due", 1, tenantId, Now.AddDays(30));

        var resync = await node.BillingCliAsync("billing", "resync", "cli-co");
        Assert.True(resync.ExitCode == 0, resync.Error);
        Assert.Equal("past_due", (await node.Get<ISubscriptionStore>().GetAsync(tenantId, None)).Status);

        var show = await node.BillingCliAsync("billing", "show", "cli-co");
        Assert.True(show.ExitCode == 0, show.Error);
        Assert.Contains("status        past_due", show.Output, StringComparison.Ordinal);
        Assert.Contains("evt_cli_1 invoice.paid applied", show.Output, StringComparison.Ordinal);

        var replay = await node.BillingCliAsync("billing", "replay", "evt_cli_1");
        Assert.True(replay.ExitCode == 0, replay.Error);
        Assert.Contains("applied", replay.Output, StringComparison.Ordinal);
        var missing = await node.BillingCliAsync("billing", "replay", "evt_nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no stored event", missing.Error, StringComparison.Ordinal);
    }
}
