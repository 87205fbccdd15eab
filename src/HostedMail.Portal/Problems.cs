using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.Plans;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Portal;

/// <summary>Errors as RFC 9457 problem details (<c>application/problem+json</c>), with an <c>errors</c> member per field for invalid input.</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";
    public const string TypeBase = "https://hostedmail.dev/problems/";

    public static IResult Result(int status, string title, string? detail, string? type = null, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail, statusCode: status, title: title, type: type ?? DefaultType(status), extensions: extensions);

    public static IResult Validation(IReadOnlyDictionary<string, string> errors, string? detail = null) =>
        Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }), detail ?? "Some fields are not valid.", title: "invalid request", type: TypeBase + "validation");

    public static IResult Validation(string field, string message) => Validation(new Dictionary<string, string> { [field] = message });

    public static Task Write(HttpContext context, int status, string title, string? detail, string? type = null)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type ?? DefaultType(status) };
        return context.Response.WriteAsJsonAsync(problem, options: null, contentType: ContentType);
    }

    /// <summary>Turns the Core's user-caused exceptions into problem details; anything else is a 500 that is logged, not shown.</summary>
    public static RouteGroupBuilder WithProblemMapping(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (FieldValidationException ex)
            {
                return ex.Errors.Count > 0 ? Validation(ex.Errors) : Result(400, "invalid request", ex.Message);
            }
            catch (HostedMailException ex)
            {
                return ex.Error switch
                {
                    HostedMailError.Invalid when ex.Field is { } field => Validation(field, ex.Message),
                    HostedMailError.NotFound => Result(404, "not found", ex.Message),
                    HostedMailError.Conflict => Result(409, "conflict", ex.Message),
                    _ => Result(400, "invalid request", ex.Message),
                };
            }
            catch (PlanLimitException ex)
            {
                return Result(403, "plan limit reached", ex.Message, TypeBase + "plan-limit", new Dictionary<string, object?> { ["limit"] = ex.Limit });
            }
            catch (PortalForbiddenException ex)
            {
                return Result(403, "forbidden", ex.Message);
            }
        });

    /// <summary>
    /// Under <c>/api/v1</c>, an error response nobody wrote a body for (route not found, method not
    /// allowed, unreadable JSON body) gets a problem body; an unhandled exception becomes a 500
    /// problem without internals.
    /// </summary>
    public static void UseProblemBodies(WebApplication app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("HostedMail.Portal").LogError(ex, "Unhandled error in {Path}", context.Request.Path.Value);
                context.Response.Clear();
                await Write(context, 500, "internal error", "The request failed; it has been logged.");
                return;
            }

            if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentLength is null && string.IsNullOrEmpty(context.Response.ContentType))
            {
                var status = context.Response.StatusCode;
                var detail = status switch
                {
                    400 => "The request could not be read: send JSON matching the OpenAPI document (/api/v1/openapi.json).",
                    404 => "No such resource.",
                    405 => "The method is not allowed here.",
                    415 => "Send the body as application/json.",
                    _ => null,
                };
                await Write(context, status, TitleFor(status), detail);
            }
        }));

    private static string TitleFor(int status) => status switch
    {
        400 => "invalid request",
        401 => "authentication required",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        409 => "conflict",
        415 => "unsupported media type",
        429 => "too many requests",
        _ => "error",
    };

    private static string DefaultType(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        409 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        _ => "about:blank",
    };
}
