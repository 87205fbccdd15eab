using HostedMail.Core.Accounts;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.OAuth;
using HostedMail.Core.Tenants;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.OAuth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.Federation;

/// <summary>
/// Single sign-on on the authorization pages: the person gives an address, is sent to the
/// provider of the tenant that has verified the address's domain (OpenIddict's client: code flow
/// with PKCE, state and nonce), and on the way back is linked to that tenant's existing mailbox or
/// portal user with the same address, never to anyone in another tenant.
/// </summary>
internal static class FederationPages
{
    // Implementation notes:
    // - Linking needs all of: the provider says email_verified=true; the address's domain is a
    //   verified domain of the provider's tenant (read now, not at the start); a mailbox that may log
    //   in, or a confirmed portal membership, with that address in that tenant. Nothing is created.
    // - The tenant comes from the registration in the state token (encrypted and signed with the
    //   node's keys, redeemed once), never from the request; OpenIddict checks the state, the
    //   request-forgery cookie, the issuer (RFC 9207 "iss" and the id token's "iss"), the nonce
    //   and the id token's signature and audience.
    // - A federated portal sign-in asks for no TOTP here: the tenant's provider decides how people
    //   prove who they are. The audit entry says it was the provider.
    // - Kind "portal-app" (the portal web app, PortalAppSignOn) starts with a GET carrying a sealed
    //   request and ends, after the same checks and an active tenant, in a one-time ticket sent to
    //   the portal's redemption URL; the portal makes the session and writes the audit entry.
    public const string StartPath = "/connect/federation/start";
    public const string CallbackPath = "/connect/federation/callback";

    private const string ReturnItem = "hm_return";
    private const string KindItem = "hm_kind";
    private const string RedeemItem = "hm_redeem";
    private const string PortalKind = "portal";

    public static void Map(WebApplication app)
    {
        app.MapPost(StartPath, StartAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        // The portal web app's way in (PortalAppSignOn): a navigation carrying a sealed request the
        // portal API made, so no anti-forgery form is needed; OpenIddict's request-forgery cookie,
        // set by this answer, still binds the callback to this browser.
        app.MapGet(StartPath, StartPortalAppAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods(CallbackPath, [HttpMethods.Get, HttpMethods.Post], CallbackAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
    }

    /// <summary>
    /// The single sign-on button inside a sign-in form: it sends the same form (the address, the
    /// return address, the anti-forgery token) to <see cref="StartPath"/> instead, without the
    /// password (HTML <c>formaction</c> and <c>formnovalidate</c>: no script needed).
    /// </summary>
    internal static OAuthPage SingleSignOnButton(this OAuthPage page, bool portal) =>
        page.Raw("<button class=\"secondary\" type=\"submit\" formaction=\"" + StartPath + "\" formnovalidate name=\"sso\" value=\"")
            .Raw(portal ? PortalKind : "mailbox").Raw("\">Use single sign-on</button>\n");

    private static async Task<IResult> StartAsync(HttpContext context, IAntiforgery antiforgery, IServiceProvider services, ILoggerFactory loggers)
    {
        var (form, returnUrl, refused) = await AuthorizationPages.ReadSignInFormAsync(context, antiforgery, "your application");
        if (refused is not null)
        {
            return refused;
        }

        var email = form["username"].ToString().Trim();
        var federation = services.GetRequiredService<TenantFederationService>();
        if (email.Length > 320 || await federation.FindForAddressAsync(email, context.RequestAborted) is not { } provider)
        {
            return Refused(StatusCodes.Status404NotFound, "No single sign-on is set up for that address's domain. Go back and sign in with your password.");
        }

        if (await ChallengeAsync(context, provider, email, returnUrl, form["sso"] == PortalKind ? PortalKind : "mailbox", null, loggers) is { } failed)
        {
            return failed;
        }

        // OpenIddict answered with a redirect to the provider. The page's CSP allows forms to post
        // to this origin only, and browsers apply form-action to a form's redirects too (CSP
        // Level 3 section 6.3.1): so the way on is a link, which names the provider as well.
        if (context.Response.StatusCode != StatusCodes.Status302Found || context.Response.Headers.Location.ToString() is not { Length: > 0 } location)
        {
            return Results.Empty;
        }

        context.Response.Headers.Location = default;
        context.Response.StatusCode = StatusCodes.Status200OK;
        return new OAuthPage("Single sign-on").Heading("Sign in with " + provider.DisplayName)
            .Paragraph("Your organisation signs you in on its own page, then sends you back here.")
            .Raw("<p><a id=\"continue\" href=\"").Text(location).Raw("\">Continue to ").Text(provider.DisplayName).Raw("</a></p>\n")
            .Result();
    }

    /// <summary>
    /// The portal web app's start (kind <see cref="PortalAppSignOn.Kind"/>): the sealed request from
    /// <see cref="PortalAppSignOn.StartUrl"/>, then straight on to the provider (a navigation, so no
    /// form-action rule is in the way).
    /// </summary>
    private static async Task<IResult> StartPortalAppAsync(HttpContext context, string? request, IServiceProvider services, ILoggerFactory loggers)
    {
        if (services.GetRequiredService<PortalAppSignOn>().ReadStart(request) is not { } start)
        {
            return Refused(StatusCodes.Status400BadRequest, "This sign-in link is invalid or has expired. Go back to the portal and press \"Use single sign-on\" again.");
        }

        var federation = services.GetRequiredService<TenantFederationService>();
        if (await federation.FindForAddressAsync(start.Email, context.RequestAborted) is not { } provider)
        {
            return Refused(StatusCodes.Status404NotFound, "No single sign-on is set up for that address's domain. Go back and sign in with your password.");
        }

        return await ChallengeAsync(context, provider, start.Email, start.ReturnPath, PortalAppSignOn.Kind, start.RedeemUrl, loggers) ?? Results.Empty;
    }

    /// <summary>
    /// Sends the browser to the provider (OpenIddict writes the redirect, the state token and the
    /// request-forgery cookie); the refusal page when the provider cannot be used, else null.
    /// </summary>
    private static async Task<IResult?> ChallengeAsync(HttpContext context, TenantIdentityProvider provider, string email, string returnUrl, string kind, string? redeemUrl, ILoggerFactory loggers)
    {
        var items = new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.RegistrationId] = FederationClientService.RegistrationId(provider.TenantId),
            [OpenIddictClientAspNetCoreConstants.Properties.LoginHint] = email,
            [ReturnItem] = returnUrl,
            [KindItem] = kind,
        };
        if (redeemUrl is not null)
        {
            items[RedeemItem] = redeemUrl;
        }

        try
        {
            await context.ChallengeAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, new AuthenticationProperties(items) { RedirectUri = returnUrl });
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The provider's discovery document could not be read, or it names another issuer than
            // the one the tenant configured (OIDC Discovery section 4.3).
            FederationLog.FederationStartFailed(loggers.CreateLogger(typeof(FederationPages)), provider.TenantId, ex);
            return Refused(StatusCodes.Status502BadGateway, "Your organisation's sign-in service could not be reached or is set up wrongly. Ask your administrator.");
        }
    }

    private static async Task<IResult> CallbackAsync(HttpContext context, IServiceProvider services, ILoggerFactory loggers)
    {
        var result = await context.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is not { } principal || result.Properties is not { } properties)
        {
            FederationLog.FederationCallbackRefused(loggers.CreateLogger(typeof(FederationPages)), result.Failure?.Message ?? "no principal");
            return Refused(StatusCodes.Status400BadRequest, "The sign-in with your organisation did not complete: it was refused, expired or not started here. Start again from your application.");
        }

        var tenantId = FederationClientService.TenantOf(principal.GetClaim(Claims.Private.RegistrationId));
        var returnUrl = properties.Items.TryGetValue(ReturnItem, out var r) ? r : null;
        var kind = properties.Items.TryGetValue(KindItem, out var k) ? k : null;
        // The portal web app's kind returns to an app path through the portal's redemption URL,
        // both from the sealed start request (so from this node, never from the request).
        var redeemUrl = kind == PortalAppSignOn.Kind && properties.Items.TryGetValue(RedeemItem, out var u) ? u : null;
        var returnOk = returnUrl is not null && (kind == PortalAppSignOn.Kind ? redeemUrl is not null && PortalAppSignOn.IsAppPath(returnUrl) : AuthorizationPages.IsOwnReturnUrl(returnUrl));
        if (tenantId is not { } tenant || !returnOk)
        {
            return Refused(StatusCodes.Status400BadRequest, "The sign-in with your organisation did not complete. Start again from your application.");
        }

        var email = principal.GetClaim(Claims.Email)?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(email) || !string.Equals(principal.GetClaim(Claims.EmailVerified), "true", StringComparison.OrdinalIgnoreCase))
        {
            return Refused(StatusCodes.Status403Forbidden, "Your organisation's sign-in did not confirm a verified email address.");
        }

        var federation = services.GetRequiredService<TenantFederationService>();
        if (!await federation.IsInVerifiedDomainAsync(tenant, email, context.RequestAborted))
        {
            return Refused(StatusCodes.Status403Forbidden, "That address is not in a verified domain of your organisation.");
        }

        if (kind is PortalKind or PortalAppSignOn.Kind)
        {
            var accounts = services.GetRequiredService<AccountService>();
            var user = (await accounts.FindMembershipsAsync(email, context.RequestAborted)).FirstOrDefault(m => m.TenantId == tenant && m.EmailConfirmedAt is not null);
            if (user is null)
            {
                return Refused(StatusCodes.Status403Forbidden, "There is no portal account with that address in your organisation.");
            }

            var issuer = (await federation.GetAsync(tenant, context.RequestAborted))?.Issuer ?? "unknown";
            if (kind == PortalAppSignOn.Kind)
            {
                if (!await PortalAppSignOn.IsActiveAsync(services.GetRequiredService<TenantService>(), tenant, context.RequestAborted))
                {
                    return Refused(StatusCodes.Status403Forbidden, "Your organisation's account is suspended, so the portal cannot be signed in to now. Ask your administrator.");
                }

                // The portal makes the session (and writes the audit entry) when it redeems the
                // ticket; the ticket alone is no session, and works once within two minutes.
                var ticket = await services.GetRequiredService<PortalAppSignOn>().IssueTicketAsync(user, issuer, returnUrl!, context.RequestAborted);
                return Results.Redirect(redeemUrl + "?ticket=" + Uri.EscapeDataString(ticket));
            }

            await accounts.RecordFederatedSignInAsync(user, issuer, context.Connection.RemoteIpAddress, context.RequestAborted);
            await PortalSignInPage.SignInAsync(context, user);
        }
        else
        {
            var mailbox = await services.GetRequiredService<MailboxService>().FindLoginAsync(email, context.RequestAborted);
            if (mailbox is null || mailbox.TenantId != tenant)
            {
                return Refused(StatusCodes.Status403Forbidden, "There is no mailbox with that address in your organisation, or it cannot sign in.");
            }

            await AuthorizationPages.SignInMailboxAsync(context, mailbox);
        }

        return Results.Redirect(returnUrl!);
    }

    private static IResult Refused(int status, string message) =>
        new OAuthPage("Single sign-on").Heading("Single sign-on failed").Error(message).Result(status);
}
