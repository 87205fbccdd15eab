using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Identity.Federation;
using HostedMail.Identity.MailLogin;
using HostedMail.Identity.OAuth.Grants;
using HostedMail.Identity.OAuth.Registration;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// The pages a person sees during an authorization: sign-in with the mailbox's address and
/// password, the consent screen naming the client and the scopes, and the device flow's code
/// entry (RFC 8628 section 3.3). OpenIddict validates every protocol parameter before these run
/// (passthrough); they decide who signs in and whether they agree.
/// </summary>
internal static class AuthorizationPages
{
    // Implementation notes:
    // - Every POST checks the antiforgery token (form field "csrf"); the sign-in cookie is
    //   SameSite=Lax and lives 15 minutes, just long enough to reach the consent screen.
    // - The return address after sign-in must be one of our own /connect/ pages (no open redirect).
    // - Failed sign-ins count against the mailbox and the client address exactly like failed mail
    //   logins (IAuthenticationLimiter), so the web form is no side door for guessing.

    private const string LoginPath = "/connect/login";

    public static void Map(WebApplication app)
    {
        app.MapGet(OAuthPage.StylesheetPath, () => Results.Text(OAuthPage.Stylesheet, "text/css; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(LoginPath, LoginAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        PortalSignInPage.Map(app);
        FederationPages.Map(app);
        app.MapMethods("/connect/verify", [HttpMethods.Get, HttpMethods.Post], VerifyAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/connect/verified", () => new OAuthPage("Device connected").Heading("Device connected")
            .Paragraph("You can close this page and return to your device.").Result()).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, IAntiforgery antiforgery, IOpenIddictApplicationManager applications)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("not an OpenIddict authorization request");
        // The api scope acts as a portal account, mail as a mailbox: one token is never both.
        var forPortal = request.HasScope(ApiOAuth.ApiScope);
        if (forPortal && request.HasScope(OAuthServerOptions.MailScope))
        {
            return Forbid(Errors.InvalidScope, "Ask for the api and mail scopes in separate authorizations.");
        }

        var signedIn = await context.AuthenticateAsync(OAuthServerExtensions.SignInScheme);
        if (!signedIn.Succeeded || ApiOAuth.IsPortalUser(signedIn.Principal) != forPortal
            || request.HasPromptValue(PromptValues.Login) && !HttpMethods.IsPost(context.Request.Method))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }

            var returnUrl = context.Request.Path + context.Request.QueryString;
            return forPortal
                ? PortalSignInPage.Page(context, antiforgery, returnUrl, null, request.LoginHint)
                : LoginPage(context, antiforgery, returnUrl, null, request.LoginHint);
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated an unknown client");
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType && context.Request.Form.ContainsKey("decision"))
        {
            if (!await IsValidPostAsync(context, antiforgery))
            {
                return BadRequest("The form expired. Start the sign-in again from your mail client.");
            }

            if (context.Request.Form["decision"] != "allow")
            {
                return Forbid(Errors.AccessDenied, "The user refused access.");
            }

            if (await ClientApprovals.BlockedAsync(context, request.ClientId!, signedIn.Principal!) is { } notApproved)
            {
                return notApproved;
            }

            var principal = Principal(signedIn.Principal!, request.GetScopes());
            await context.RequestServices.GetRequiredService<OAuthGrants>().AttachAsync(principal, request.ClientId!, context.RequestAborted);
            return Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.HasPromptValue(PromptValues.None))
        {
            // Explicit consent is asked every time; a silent request cannot get it (OIDC Core 3.1.2.6).
            return Forbid(Errors.ConsentRequired, "Consent is required.");
        }

        if (await ClientApprovals.BlockedAsync(context, request.ClientId!, signedIn.Principal!) is { } blocked)
        {
            return blocked;
        }

        var name = await applications.GetLocalizedDisplayNameAsync(application, context.RequestAborted) ?? request.ClientId!;
        if (OAuthPage.FormActionSource(request.RedirectUri) is { } source)
        {
            context.Items[OAuthPage.FormActionSourcesItem] = source;
        }

        var page = new OAuthPage("Allow access")
            .Heading("Allow access?")
            .Raw("<p><strong>").Ui(name).Raw(forPortal ? "</strong> wants to act in the portal as <strong>" : "</strong> wants to use your mailbox <strong>")
            .Text(signedIn.Principal!.GetClaim(Claims.Name) ?? "")
            .Raw("</strong>:</p>\n")
            .List(request.GetScopes().Select(Describe))
            .FormStart("/connect/authorize", "post", Token(context, antiforgery));
        foreach (var parameter in request.GetParameters())
        {
            if (parameter.Key is "csrf" or "decision")
            {
                continue;
            }

            page.Hidden(parameter.Key, (string?)parameter.Value);
        }

        return page.Button("Allow", "decision", "allow").Button("Deny", "decision", "deny", secondary: true).FormEnd()
            .Paragraph("You can revoke this access at any time on /connect/grants, by changing your password or in the portal.", "muted").Result();
    }

    /// <summary>
    /// A posted sign-in form (mailbox, portal or single sign-on): its fields and return address, or
    /// the refusal when it is not a form, returns elsewhere, or its anti-forgery token expired.
    /// </summary>
    internal static async Task<(IFormCollection Form, string ReturnUrl, IResult? Refused)> ReadSignInFormAsync(HttpContext context, IAntiforgery antiforgery, string startAgainFrom)
    {
        if (!context.Request.HasFormContentType)
        {
            return (FormCollection.Empty, string.Empty, BadRequest("Expected a form."));
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = form["return_url"].ToString();
        if (!IsOwnReturnUrl(returnUrl))
        {
            return (form, returnUrl, BadRequest("Invalid return address."));
        }

        return await IsValidPostAsync(context, antiforgery)
            ? (form, returnUrl, null)
            : (form, returnUrl, BadRequest($"The form expired. Start the sign-in again from {startAgainFrom}."));
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, MailboxSignIn signIn, IServiceProvider services)
    {
        var (form, returnUrl, refused) = await ReadSignInFormAsync(context, antiforgery, "your mail client");
        if (refused is not null)
        {
            return refused;
        }

        var username = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        var limiter = services.GetService<IAuthenticationLimiter>();
        var addressKey = AddressKey(context.Connection.RemoteIpAddress);
        if (limiter is not null)
        {
            var decision = await limiter.CheckAsync(addressKey, username, context.RequestAborted);
            if (decision.LockedFor is not null)
            {
                return LoginPage(context, antiforgery, returnUrl, "Too many failed sign-ins. Try again later.", username, StatusCodes.Status429TooManyRequests);
            }

            if (decision.Delay > TimeSpan.Zero)
            {
                await Task.Delay(decision.Delay, context.RequestServices.GetRequiredService<TimeProvider>(), context.RequestAborted);
            }
        }

        var login = username.Length is > 0 and <= 320 && password.Length is > 0 and <= 1024
            ? await signIn.LoginAsync(username, password, context.RequestAborted)
            : null;
        if (login is null)
        {
            if (limiter is not null)
            {
                await limiter.RecordFailureAsync(addressKey, username, context.RequestAborted);
            }

            return LoginPage(context, antiforgery, returnUrl, "Wrong address or password.", username, StatusCodes.Status401Unauthorized);
        }

        if (limiter is not null)
        {
            await limiter.RecordSuccessAsync(addressKey, username, context.RequestAborted);
        }

        await SignInMailboxAsync(context, login.Mailbox);
        return Results.Redirect(returnUrl);
    }

    /// <summary>Sets the sign-in cookie for a mailbox (after its password, or its tenant's single sign-on).</summary>
    internal static async Task SignInMailboxAsync(HttpContext context, Mailbox mailbox)
    {
        var identity = new ClaimsIdentity(OAuthServerExtensions.SignInScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, mailbox.Address));
        identity.AddClaim(new Claim(Claims.Name, mailbox.Address));
        identity.AddClaim(new Claim(OAuthServerOptions.TenantClaim, mailbox.TenantId.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(OAuthServerOptions.MailboxClaim, mailbox.MailboxId.ToString(CultureInfo.InvariantCulture)));
        await context.SignInAsync(OAuthServerExtensions.SignInScheme, new ClaimsPrincipal(identity));
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, IAntiforgery antiforgery, IOpenIddictApplicationManager applications)
    {
        var signedIn = await context.AuthenticateAsync(OAuthServerExtensions.SignInScheme);
        if (!signedIn.Succeeded || ApiOAuth.IsPortalUser(signedIn.Principal))
        {
            // Devices get mail access only: a portal sign-in does not approve them.
            return LoginPage(context, antiforgery, context.Request.Path + context.Request.QueryString, null, null);
        }

        var request = context.GetOpenIddictServerRequest();
        var device = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var clientId = device.Succeeded ? device.Principal!.GetClaim(Claims.ClientId) : null;
        if (string.IsNullOrEmpty(clientId))
        {
            // No code yet, or a wrong or expired one: ask for it (RFC 8628 section 3.3).
            var error = string.IsNullOrEmpty(request?.UserCode) ? null : "That code is not valid or has expired.";
            return new OAuthPage("Connect a device").Heading("Connect a device").Error(error)
                .Paragraph("Enter the code your device shows.")
                .FormStart("/connect/verify", "get", "")
                .Field("Code", "user_code", "text", autocomplete: "off", autofocus: true)
                .Button("Continue").FormEnd().Result(error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
        }

        var scopes = device.Principal!.GetScopes();
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType && context.Request.Form.ContainsKey("decision"))
        {
            if (!await IsValidPostAsync(context, antiforgery))
            {
                return BadRequest("The form expired. Enter the code again.");
            }

            if (context.Request.Form["decision"] != "allow")
            {
                return Results.Forbid(new AuthenticationProperties { RedirectUri = "/connect/verified" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            var principal = Principal(signedIn.Principal!, scopes);
            await context.RequestServices.GetRequiredService<OAuthGrants>().AttachAsync(principal, clientId, context.RequestAborted);
            return Results.SignIn(principal, new AuthenticationProperties { RedirectUri = "/connect/verified" },
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var application = await applications.FindByClientIdAsync(clientId, context.RequestAborted);
        var name = application is null ? clientId : await applications.GetLocalizedDisplayNameAsync(application, context.RequestAborted) ?? clientId;
        return new OAuthPage("Allow access")
            .Heading("Allow access?")
            .Raw("<p>A device using <strong>").Ui(name).Raw("</strong> wants to use your mailbox <strong>")
            .Text(signedIn.Principal!.GetClaim(Claims.Subject) ?? "").Raw("</strong>:</p>\n")
            .List(scopes.Select(Describe))
            .Raw("<p class=\"muted\">Only allow this if you started it and your device shows the code <code>").Text(request?.UserCode ?? "").Raw("</code>.</p>\n")
            .FormStart("/connect/verify", "post", Token(context, antiforgery))
            .Hidden("user_code", request?.UserCode)
            .Button("Allow", "decision", "allow").Button("Deny", "decision", "deny", secondary: true).FormEnd().Result();
    }

    /// <summary>The principal the tokens are made from: the mailbox, its tenant, the granted scopes, the mail audience.</summary>
    private static ClaimsPrincipal Principal(ClaimsPrincipal signedIn, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        foreach (var type in new[] { Claims.Subject, Claims.Name, OAuthServerOptions.TenantClaim, OAuthServerOptions.MailboxClaim, ApiOAuth.KindClaim, ApiOAuth.UserClaim })
        {
            identity.SetClaim(type, signedIn.GetClaim(type));
        }

        var granted = scopes.ToList();
        identity.SetScopes(granted);
        if (granted.Contains(OAuthServerOptions.MailScope))
        {
            identity.SetResources(OAuthServerOptions.MailAudience);
        }
        else if (granted.Contains(ApiOAuth.ApiScope) && ApiOAuth.IsPortalUser(signedIn))
        {
            identity.SetResources(ApiOAuth.ApiAudience);
        }

        // Every claim goes into the access token (read by the mail protocols); there is no identity token.
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    private static string Describe(string scope) => scope switch
    {
        OAuthServerOptions.MailScope => "Read, send and fetch your mail (IMAP, SMTP, POP3)",
        ApiOAuth.ApiScope => "Manage your tenant through the portal API, with your role",
        Scopes.OfflineAccess => "Stay signed in (refresh tokens) until you revoke it",
        _ => scope,
    };

    /// <summary>The mailbox sign-in form, returning to <paramref name="returnUrl"/> (one of the /connect/ pages).</summary>
    internal static IResult SignInPage(HttpContext context, IAntiforgery antiforgery, string returnUrl) => LoginPage(context, antiforgery, returnUrl, null, null);

    private static IResult LoginPage(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error, string? username, int status = StatusCodes.Status200OK) =>
        new OAuthPage("Sign in").Heading("Sign in to your mailbox").Error(error)
            .FormStart(LoginPath, "post", Token(context, antiforgery))
            .Hidden("return_url", returnUrl)
            .Field("Email address", "username", "email", username, "username", autofocus: string.IsNullOrEmpty(username))
            .Field("Password", "password", "password", autocomplete: "current-password", autofocus: !string.IsNullOrEmpty(username))
            .Button("Sign in").SingleSignOnButton(portal: false).FormEnd()
            .Paragraph("Use your mailbox password, not an app password. Single sign-on: give your address only, if your organisation connected its own sign-in service.", "muted")
            .Result(status);

    internal static string Token(HttpContext context, IAntiforgery antiforgery) => antiforgery.GetAndStoreTokens(context).RequestToken ?? string.Empty;

    internal static async Task<bool> IsValidPostAsync(HttpContext context, IAntiforgery antiforgery)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    internal static IResult BadRequest(string message) =>
        new OAuthPage("Error").Heading("Something went wrong").Error(message).Result(StatusCodes.Status400BadRequest);

    /// <summary>A return address after sign-in: one of our own /connect/ pages, never another site (no open redirect).</summary>
    internal static bool IsOwnReturnUrl(string returnUrl) =>
        returnUrl.StartsWith("/connect/", StringComparison.Ordinal) && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.Contains('\\');

    /// <summary>The client address as failures are counted: IPv4 whole, IPv6 by /64 (like the mail listeners).</summary>
    internal static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
