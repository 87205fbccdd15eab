using System.Globalization;
using HostedMail.Core.Security;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Checks access tokens for IMAP, POP3 and SMTP: a live token of ours for the mail audience
/// (<see cref="AccessTokenReader"/>) that names a mailbox, with the mail scope.
/// </summary>
internal sealed class MailAccessTokenValidator(AccessTokenReader reader, OAuthServerOptions options) : IMailAccessTokenValidator
{
    public string? OpenIdConfiguration => new Uri(options.Issuer!, ".well-known/openid-configuration").AbsoluteUri;

    public async Task<MailAccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            if (await reader.ReadLiveAsync(token, OAuthServerOptions.MailAudience, cancellationToken) is not { } claims)
            {
                return MailAccessTokenCheck.Invalid;
            }

            var address = claims.FindFirst(Claims.Subject)?.Value;
            if (address is null
                || !long.TryParse(claims.FindFirst(OAuthServerOptions.TenantClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var tenantId)
                || !long.TryParse(claims.FindFirst(OAuthServerOptions.MailboxClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var mailboxId))
            {
                return MailAccessTokenCheck.Invalid;
            }

            if (!AccessTokenReader.HasScope(claims, OAuthServerOptions.MailScope))
            {
                return new MailAccessTokenCheck(MailAccessTokenStatus.InsufficientScope);
            }

            return new MailAccessTokenCheck(MailAccessTokenStatus.Valid, address, tenantId, mailboxId);
        }
        catch (Exception ex) when (AccessTokenReader.IsDatabaseFailure(ex))
        {
            return new MailAccessTokenCheck(MailAccessTokenStatus.Unavailable);
        }
    }
}
