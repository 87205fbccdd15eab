using System.Globalization;
using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.RateLimiting;

/// <summary>
/// The anonymous endpoints' budgets, each its own, counted per client address across the cluster
/// through <see cref="IRateLimitStore"/>. What counts is an attempt: a request refused as invalid
/// input (a typo in the form) is given back, so people correcting a form are not locked out; a
/// wrong secret token still counts, so guessing tokens is limited.
/// </summary>
internal static class PortalRateLimits
{
    // Implementation notes:
    // - The permit is taken before the endpoint runs (so concurrent attackers cannot exceed the
    //   budget) and given back afterwards when the answer was a 400 not about the token.
    // - Unreadable bodies fail model binding before this filter and never count.
    public static RateLimitBudget Login(PortalOptions o) => new("portal-login", o.LoginPerMinute, TimeSpan.FromMinutes(1));

    public static RateLimitBudget SignUp(PortalOptions o) => new("portal-signup", o.SignUpPerHour, TimeSpan.FromHours(1));

    public static RateLimitBudget Confirm(PortalOptions o) => new("portal-confirm", o.ConfirmPerHour, TimeSpan.FromHours(1));

    public static RateLimitBudget Resend(PortalOptions o) => new("portal-resend", o.ResendPerHour, TimeSpan.FromHours(1));

    public static RateLimitBudget Reset(PortalOptions o) => new("portal-reset", o.PasswordResetPerHour, TimeSpan.FromHours(1));

    public static RateLimitBudget ResetConfirm(PortalOptions o) => new("portal-reset-confirm", o.ResetConfirmPerHour, TimeSpan.FromHours(1));

    /// <summary>Limits the endpoint by <paramref name="budget"/> per client address; over budget it answers 429 with <c>Retry-After</c>.</summary>
    public static RouteHandlerBuilder RequireBudget(this RouteHandlerBuilder builder, Func<PortalOptions, RateLimitBudget> budget) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var services = http.RequestServices;
            var store = services.GetRequiredService<IRateLimitStore>();
            var chosen = budget(services.GetRequiredService<PortalOptions>());
            var key = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            var lease = await store.TryAcquireAsync(chosen, key, now, http.RequestAborted);
            if (!lease.Granted)
            {
                var wait = Math.Max(1, (int)Math.Ceiling((lease.WindowEnd - now).TotalSeconds));
                http.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
                return Problems.Result(StatusCodes.Status429TooManyRequests, "too many requests",
                    $"Too many attempts from this address; try again in {wait} seconds.");
            }

            try
            {
                var result = await next(context);
                if (IsInvalidInput(result))
                {
                    await store.ReleaseAsync(chosen, key, lease, CancellationToken.None);
                }

                return result;
            }
            catch (Exception ex) when (IsInvalidInput(ex))
            {
                await store.ReleaseAsync(chosen, key, lease, CancellationToken.None);
                throw;
            }
        });

    private static bool IsInvalidInput(object? result) => result switch
    {
        ValidationProblem v => !v.ProblemDetails.Errors.ContainsKey("token"),
        ProblemHttpResult { StatusCode: StatusCodes.Status400BadRequest } p => p.ProblemDetails is not HttpValidationProblemDetails d || !d.Errors.ContainsKey("token"),
        _ => false,
    };

    private static bool IsInvalidInput(Exception ex) => ex switch
    {
        FieldValidationException f => !f.Errors.ContainsKey("token"),
        HostedMailException { Error: HostedMailError.Invalid } => true,
        _ => false,
    };
}
