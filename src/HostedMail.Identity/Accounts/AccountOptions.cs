namespace HostedMail.Identity.Accounts;

/// <summary>Lifetimes and lockout rules of portal accounts.</summary>
public sealed class AccountOptions
{
    /// <summary>A session ends this long after its last use.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(12);

    /// <summary>A session ends this long after sign-in, used or not.</summary>
    public TimeSpan SessionMaxLifetime { get; set; } = TimeSpan.FromDays(14);

    public TimeSpan EmailConfirmationLifetime { get; set; } = TimeSpan.FromDays(3);

    public TimeSpan PasswordResetLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Failed logins in a row before the account locks (OWASP authentication cheat sheet: lock, then unlock by time).</summary>
    public int LockoutThreshold { get; set; } = 10;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public int RecoveryCodeCount { get; set; } = 10;

    /// <summary>The issuer name authenticator apps show next to the code.</summary>
    public string TotpIssuer { get; set; } = "HostedMail";

    /// <summary>The plan a tenant signs up on.</summary>
    public string SignUpPlan { get; set; } = "free";
}
