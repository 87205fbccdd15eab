using HostedMail.Core.Security;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.AppPasswords;
using HostedMail.Identity.MailLogin;
using HostedMail.Identity.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Identity;

/// <summary>Registers Identity's credential services; each needs the Core services and stores (<c>AddHostedMailCore</c>) too.</summary>
public static class IdentityServiceCollectionExtensions
{
    /// <summary>
    /// Portal accounts (sign-up, sign-in with TOTP, sessions: <see cref="AccountService"/>, expired ones
    /// swept hourly), their API tokens, and mailboxes' app passwords.
    /// </summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services, AccountOptions options)
    {
        services.TryAddSingleton(options);
        services.TryAddSingleton<AccountService>();
        services.TryAddSingleton<ApiTokenService>();
        services.TryAddSingleton<AppPasswordService>();
        services.AddHostedService<ExpiredPortalRecordsSweeper>();
        return services;
    }

    /// <summary>
    /// App passwords' last use, noted in memory at every login (verified or answered from a node's
    /// cache) and written in batches by <see cref="AppPasswordUsageWriter"/> (a node's mail side).
    /// </summary>
    public static IServiceCollection AddAppPasswordUsage(this IServiceCollection services, AppPasswordUsageOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<AppPasswordUsage>();
        services.AddHostedService<AppPasswordUsageWriter>();
        return services;
    }

    /// <summary>Mailbox logins with a password or an app password (<see cref="MailboxSignIn"/>), and the mail protocols' <see cref="ICredentialVerifier"/> over them.</summary>
    public static IServiceCollection AddMailboxSignIn(this IServiceCollection services)
    {
        services.TryAddSingleton<MailboxSignIn>();
        services.TryAddSingleton<ICredentialVerifier, MailboxCredentialVerifier>();
        return services;
    }
}
