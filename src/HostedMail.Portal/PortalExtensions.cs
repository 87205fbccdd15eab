using HostedMail.Billing;
using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.AppPasswords;
using HostedMail.Core.Domains;
using HostedMail.Identity;
using HostedMail.Portal.Auth;
using HostedMail.Portal.ClientConfig;
using HostedMail.Portal.Dns;
using HostedMail.Portal.Endpoints;
using HostedMail.Portal.Mail;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Portal;

/// <summary>Wires the tenant portal into a node: <see cref="AddPortal"/> on the services, <see cref="MapPortalApi"/> on the app.</summary>
public static class PortalExtensions
{
    /// <summary>Registers the portal's services; needs the Core services and stores (<c>AddHostedMailCore</c>) too.</summary>
    /// <summary>The DNS lookup of a domain's ownership TXT record (the portal, and operator commands run without a node).</summary>
    public static IServiceCollection AddDomainOwnershipProbe(this IServiceCollection services, PortalOptions options)
    {
        services.TryAddSingleton(_ => PortalDns.Create(options));
        services.TryAddSingleton<IDomainOwnershipProbe, DnsOwnershipProbe>();
        return services;
    }

    public static IServiceCollection AddPortal(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PortalOptions.FromConfiguration(configuration);
        services.AddSingleton(options);
        services.TryAddSingleton(options.Plans);
        services.TryAddSingleton<HostedMail.Core.Tenants.TenantOperations>();
        services.TryAddSingleton(TimeProvider.System);
        // Portal accounts, API tokens and app passwords are HostedMail.Identity's.
        services.AddAccounts(options.Accounts);
        services.AddDomainOwnershipProbe(options);
        services.AddSingleton<DomainRecordChecker>();
        services.AddSingleton<DomainMonitor>();
        // The domains' grains run the checks from their reminders (HostedMail.Grains) when DomainChecks:Enabled.
        services.AddSingleton<IDomainCheckRunner>(sp => sp.GetRequiredService<DomainMonitor>());
        services.TryAddSingleton<IPortalMail, PortalMailer>();
        // Replaces the logging notifier operator commands get: billing mails the tenant's admins.
        services.AddSingleton<HostedMail.Billing.IBillingNotifier, PortalBillingNotifier>();
        services.TryAddSingleton(options.Plans);
        services.AddBilling(configuration);

        services.AddAuthentication(PortalAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, PortalAuthenticationHandler>(PortalAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddProblemDetails();
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "HostedMail tenant portal API";
                document.Info.Description = "Sign-up, sessions and API tokens; domains with DNS verification; mailboxes, app passwords, aliases; audit. Errors are RFC 9457 problem details.";
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer(OpenApiSchemas.Transform);
        });
        return services;
    }

    /// <summary>Maps <c>/api/v1</c>, its OpenAPI document, client autoconfiguration, the MTA-STS policy and the web app (<see cref="WebApp"/>).</summary>
    public static WebApplication MapPortalApi(this WebApplication app)
    {
        WebApp.UseWebApp(app);
        Problems.UseProblemBodies(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase), branch => branch.Use((context, next) =>
        {
            // Answers carry account data and one-time secrets: never cache them (RFC 9111 section 5.2.2.5).
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        }));

        // Every endpoint declares its answers (.Produces<T>) so the document, and the web client
        // generated from it, has the response shapes; these problems can come from any of them.
        var api = app.MapGroup("/api/v1").RequireAuthorization().WithProblemMapping()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        AccountEndpoints.Map(api);
        SingleSignOnEndpoints.Map(api);
        TenantEndpoints.Map(api);
        DomainEndpoints.Map(api);
        MailboxEndpoints.Map(api);
        AliasEndpoints.Map(api);
        TrackingEndpoints.Map(api);
        BillingEndpoints.Map(api);
        OAuthEndpoints.Map(api);
        OAuthClientEndpoints.Map(api);
        IdentityProviderEndpoints.Map(api);
        app.MapStripeWebhook();
        app.MapOpenApi("/api/{documentName}/openapi.json").AllowAnonymous();
        ClientConfigEndpoints.Map(app);
        WebApp.MapWebApp(app);
        return app;
    }
}
