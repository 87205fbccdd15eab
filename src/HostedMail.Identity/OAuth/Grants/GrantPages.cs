using System.Globalization;
using HostedMail.Core.Audit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth.Grants;

/// <summary>
/// "Connected apps": the signed-in mailbox's own grants, each with a button that revokes it and
/// its tokens. Signed in with the mailbox login like the consent page; plain forms, no script.
/// </summary>
internal static class GrantPages
{
    // Implementation notes:
    // - Only the signed-in mailbox's grants (tenant and mailbox from the sign-in cookie) are listed
    //   or revoked; another mailbox's grant id is answered like an unknown one.
    // - The revoke form carries the antiforgery token; the sign-in cookie is SameSite=Lax.

    public const string Path = "/connect/grants";

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, ListAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(Path + "/revoke", RevokeAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
    }

    private static async Task<IResult> ListAsync(HttpContext context, IAntiforgery antiforgery, OAuthGrants grants)
    {
        if (await SignedInAsync(context) is not { } who)
        {
            return AuthorizationPages.SignInPage(context, antiforgery, Path);
        }

        return await PageAsync(context, antiforgery, grants, who, context.Request.Query["revoked"] == "1" ? "Access revoked." : null);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, IAntiforgery antiforgery, OAuthGrants grants)
    {
        if (await SignedInAsync(context) is not { } who)
        {
            return AuthorizationPages.SignInPage(context, antiforgery, Path);
        }

        if (!context.Request.HasFormContentType || !await AuthorizationPages.IsValidPostAsync(context, antiforgery))
        {
            return new OAuthPage("Error").Heading("Something went wrong").Error("The form expired. Open the page again.").Result(StatusCodes.Status400BadRequest);
        }

        var id = context.Request.Form["grant"].ToString();
        if (id.Length is 0 or > 100 || !await grants.RevokeAsync(who.TenantId, id, who.MailboxId, new Actor("mailbox:" + who.Address, context.Connection.RemoteIpAddress), context.RequestAborted))
        {
            return new OAuthPage("Not found").Heading("Connected apps").Error("That access does not exist or was already revoked.")
                .Raw("<p><a href=\"").Text(Path).Raw("\">Back to your connected apps</a></p>\n").Result(StatusCodes.Status404NotFound);
        }

        // Post/redirect/get: a reload does not post again.
        return Results.Redirect(Path + "?revoked=1");
    }

    private static async Task<IResult> PageAsync(HttpContext context, IAntiforgery antiforgery, OAuthGrants grants, SignedIn who, string? notice)
    {
        var list = await grants.ListAsync(who.TenantId, who.MailboxId, context.RequestAborted);
        var page = new OAuthPage("Connected apps").Heading("Connected apps")
            .Raw("<p>Apps that can use <strong>").Text(who.Address).Raw("</strong> with OAuth. Revoking one signs it out at once; it must ask you again.</p>\n");
        if (notice is not null)
        {
            page.Raw("<p role=\"status\">").Ui(notice).Raw("</p>\n");
        }

        if (list.Count == 0)
        {
            return page.Paragraph("No app has access.", "muted").Result();
        }

        var csrf = antiforgery.GetAndStoreTokens(context).RequestToken ?? string.Empty;
        page.Raw("<ul class=\"grants\">\n");
        foreach (var grant in list)
        {
            page.Raw("<li><strong>").Ui(grant.ClientName).Raw("</strong><br><span class=\"muted\">")
                .Text(string.Join(", ", grant.Scopes)).Raw(" · allowed ").Text(grant.CreatedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
            if (grant.LastUsedAt is { } used)
            {
                page.Raw(" · last used ").Text(used.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
            }

            page.Raw("</span>\n").FormStart(Path + "/revoke", "post", csrf).Hidden("grant", grant.Id)
                .Button("Revoke", secondary: true).FormEnd().Raw("</li>\n");
        }

        return page.Raw("</ul>\n").Result();
    }

    private sealed record SignedIn(long TenantId, long MailboxId, string Address);

    private static async Task<SignedIn?> SignedInAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(OAuthServerExtensions.SignInScheme);
        var principal = result.Principal;
        return result.Succeeded && principal is not null
            && long.TryParse(principal.GetClaim(OAuthServerOptions.TenantClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var tenantId)
            && long.TryParse(principal.GetClaim(OAuthServerOptions.MailboxClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var mailboxId)
            && principal.GetClaim(Claims.Subject) is { } address
            ? new SignedIn(tenantId, mailboxId, address)
            : null;
    }
}
