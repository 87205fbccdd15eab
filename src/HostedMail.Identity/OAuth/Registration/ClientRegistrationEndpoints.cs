using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HostedMail.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth.Registration;

/// <summary>
/// Dynamic client registration (RFC 7591) and its management (RFC 7592: read, update, delete
/// with the registration access token) for public native clients. Each registration is rate
/// limited per client address across the cluster and recorded with that address
/// (<c>oauth.client_registrations</c>) and in the node's log.
/// </summary>
internal static partial class ClientRegistrationEndpoints
{
    // Implementation notes:
    // - The permit is taken before the body is read, so a flood of refused requests is limited too.
    // - The registration access token is random (256 bits) and stored only as its SHA-256; the
    //   comparison is constant-time. A wrong token and an unknown client get the same 401
    //   (RFC 7592 section 3), so client ids cannot be probed.
    // - A registered client is an OpenIddict application like the published one (public, native,
    //   PKCE required, explicit consent); its display name says it is self-asserted.

    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>Marks applications made through registration (their OpenIddict properties).</summary>
    public const string DynamicProperty = "hm_dynamic";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static void Map(WebApplication app)
    {
        if (app.Services.GetRequiredService<ClientRegistrationOptions>() is not { Enabled: true })
        {
            return;
        }

        app.MapPost(ClientRegistrationOptions.RegisterPath, RegisterAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapGet(ClientRegistrationOptions.RegisterPath + "/{clientId}", ReadAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPut(ClientRegistrationOptions.RegisterPath + "/{clientId}", UpdateAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapDelete(ClientRegistrationOptions.RegisterPath + "/{clientId}", DeleteAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    /// <summary>Names the registration endpoint in discovery (RFC 8414 section 2, <c>registration_endpoint</c>).</summary>
    public static void Advertise(OpenIddictServerBuilder server, Uri issuer, ClientRegistrationOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        var endpoint = new Uri(issuer, ClientRegistrationOptions.RegisterPath.TrimStart('/')).AbsoluteUri;
        server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(builder => builder.UseInlineHandler(context =>
        {
            context.Metadata["registration_endpoint"] = endpoint;
            return default;
        }));
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, ClientRegistrationOptions options, OAuthServerOptions server,
        IOpenIddictApplicationManager applications, OAuthRecordsDbContext records, TimeProvider time, ILoggerFactory loggers)
    {
        http.Response.Headers.CacheControl = "no-store";
        var address = AuthorizationPages.AddressKey(http.Connection.RemoteIpAddress);
        var now = time.GetUtcNow();
        // Counted for the whole cluster (one PostgreSQL counter per address and window, like the
        // portal's anonymous endpoints), so N nodes do not give N times the budget.
        var lease = await http.RequestServices.GetRequiredService<IRateLimitStore>().TryAcquireAsync(Budget(options), address, now, http.RequestAborted);
        if (!lease.Granted)
        {
            var wait = Math.Max(1, (int)Math.Ceiling((lease.WindowEnd - now).TotalSeconds));
            http.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
            Refused(loggers.CreateLogger(LogCategory), address, "rate_limited");
            return Error(StatusCodes.Status429TooManyRequests, "too_many_requests",
                $"Too many registrations from this address; try again in {wait} seconds.");
        }

        var (metadata, error, _) = await ReadMetadataAsync(http);
        if (metadata is null)
        {
            var refused = error ?? Unreadable;
            Refused(loggers.CreateLogger(LogCategory), address, refused.Error);
            return Error(StatusCodes.Status400BadRequest, refused.Error, refused.Description);
        }

        var clientId = "dyn-" + Base64Url(RandomNumberGenerator.GetBytes(16));
        var accessToken = Base64Url(RandomNumberGenerator.GetBytes(32));
        await applications.CreateAsync(Descriptor(clientId, metadata), http.RequestAborted);
        records.ClientRegistrations.Add(new ClientRegistrationRow
        {
            ClientId = clientId,
            ClientName = metadata.ClientName,
            RedirectUris = JsonSerializer.Serialize(metadata.RedirectUris),
            SoftwareId = metadata.SoftwareId,
            SoftwareVersion = metadata.SoftwareVersion,
            RegisteredAt = now,
            RegisteredFrom = address,
            UserAgent = Truncate(http.Request.Headers.UserAgent.ToString(), 300),
            RegistrationTokenSha256 = Hash(accessToken),
        });
        await records.SaveChangesAsync(http.RequestAborted);
        Registered(loggers.CreateLogger(LogCategory), clientId, address, metadata.ClientName ?? "", string.Join(' ', metadata.RedirectUris));
        return Results.Json(Response(server, clientId, now, metadata, accessToken), Json, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ReadAsync(string clientId, HttpContext http, OAuthServerOptions server, OAuthRecordsDbContext records)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await AuthorizedAsync(http, records, clientId) is not { } row)
        {
            return InvalidToken(http);
        }

        var metadata = JsonSerializer.Deserialize<ClientMetadata>(row.StoredMetadata ?? "null");
        return Results.Json(Response(server, clientId, row.Registration.RegisteredAt, metadata ?? FromRow(row.Registration), null), Json);
    }

    private static async Task<IResult> UpdateAsync(string clientId, HttpContext http, OAuthServerOptions server,
        IOpenIddictApplicationManager applications, OAuthRecordsDbContext records, TimeProvider time, ILoggerFactory loggers)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await AuthorizedAsync(http, records, clientId) is not { } row)
        {
            return InvalidToken(http);
        }

        var (metadata, error, body) = await ReadMetadataAsync(http);
        if (metadata is null)
        {
            var refused = error ?? Unreadable;
            return Error(StatusCodes.Status400BadRequest, refused.Error, refused.Description);
        }

        // RFC 7592 section 2.2: the body carries the client_id, which must be this client's.
        if (!body.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != clientId)
        {
            return Error(StatusCodes.Status400BadRequest, RegistrationError.InvalidClientMetadata, "The body's client_id must be the client's own.");
        }

        if (body.TryGetProperty("client_secret", out _))
        {
            return Error(StatusCodes.Status400BadRequest, RegistrationError.InvalidClientMetadata, "Public clients have no client_secret.");
        }

        var application = await applications.FindByClientIdAsync(clientId, http.RequestAborted);
        if (application is null)
        {
            return InvalidToken(http);
        }

        await applications.UpdateAsync(application, Descriptor(clientId, metadata), http.RequestAborted);
        var registration = row.Registration;
        registration.ClientName = metadata.ClientName;
        registration.RedirectUris = JsonSerializer.Serialize(metadata.RedirectUris);
        registration.SoftwareId = metadata.SoftwareId;
        registration.SoftwareVersion = metadata.SoftwareVersion;
        registration.UpdatedAt = time.GetUtcNow();
        await records.SaveChangesAsync(http.RequestAborted);
        Updated(loggers.CreateLogger(LogCategory), clientId, AuthorizationPages.AddressKey(http.Connection.RemoteIpAddress));
        return Results.Json(Response(server, clientId, registration.RegisteredAt, metadata, null), Json);
    }

    private static async Task<IResult> DeleteAsync(string clientId, HttpContext http, IOpenIddictApplicationManager applications,
        OAuthRecordsDbContext records, TimeProvider time, ILoggerFactory loggers)
    {
        if (await AuthorizedAsync(http, records, clientId) is not { } row)
        {
            return InvalidToken(http);
        }

        if (await applications.FindByClientIdAsync(clientId, http.RequestAborted) is { } application)
        {
            // RFC 7592 section 2.3: the client's grants and tokens end with it (OpenIddict's store
            // deletes the application's authorizations and tokens in the same transaction).
            await applications.DeleteAsync(application, http.RequestAborted);
        }

        row.Registration.DeletedAt = time.GetUtcNow();
        await records.ClientApprovals.Where(a => a.ClientId == clientId).ExecuteDeleteAsync(http.RequestAborted);
        await records.SaveChangesAsync(http.RequestAborted);
        Deleted(loggers.CreateLogger(LogCategory), clientId, AuthorizationPages.AddressKey(http.Connection.RemoteIpAddress));
        return Results.NoContent();
    }

    internal static Core.Security.RateLimitBudget Budget(ClientRegistrationOptions options) => new("oauth-register", options.PerHour, TimeSpan.FromHours(1));

    private static OpenIddictApplicationDescriptor Descriptor(string clientId, ClientMetadata metadata)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            ApplicationType = ApplicationTypes.Native,
            ConsentType = ConsentTypes.Explicit,
            // The name is whatever the registering app claimed: the consent page must not present it as vouched for.
            DisplayName = (metadata.ClientName ?? clientId) + " (unverified app)",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        if (metadata.GrantTypes.Contains(GrantTypes.RefreshToken))
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        foreach (var scope in metadata.Scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        foreach (var redirect in metadata.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(ClientMetadataRules.Normalize(redirect)));
        }

        descriptor.Properties[DynamicProperty] = JsonSerializer.SerializeToElement(metadata);
        return descriptor;
    }

    private static Dictionary<string, object?> Response(OAuthServerOptions server, string clientId, DateTimeOffset issuedAt, ClientMetadata metadata, string? accessToken)
    {
        var json = metadata.ToJson();
        json["client_id"] = clientId;
        json["client_id_issued_at"] = issuedAt.ToUnixTimeSeconds();
        json["registration_client_uri"] = new Uri(server.Issuer!, ClientRegistrationOptions.RegisterPath.TrimStart('/') + "/" + Uri.EscapeDataString(clientId)).AbsoluteUri;
        if (accessToken is not null)
        {
            json["registration_access_token"] = accessToken;
        }

        // Metadata the client left out is left out of the answer too, not sent as null.
        foreach (var key in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            json.Remove(key);
        }

        return json;
    }

    private static ClientMetadata FromRow(ClientRegistrationRow row) =>
        new(JsonSerializer.Deserialize<List<string>>(row.RedirectUris) ?? [], [GrantTypes.AuthorizationCode], [OAuthServerOptions.MailScope], row.ClientName, row.SoftwareId, row.SoftwareVersion);

    private sealed record AuthorizedRegistration(ClientRegistrationRow Registration, string? StoredMetadata);

    /// <summary>The registration when the request carries its registration access token (RFC 7592 section 3); null otherwise.</summary>
    private static async Task<AuthorizedRegistration?> AuthorizedAsync(HttpContext http, OAuthRecordsDbContext records, string clientId)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || clientId.Length > 100)
        {
            return null;
        }

        var row = await records.ClientRegistrations.FirstOrDefaultAsync(r => r.ClientId == clientId && r.DeletedAt == null, http.RequestAborted);
        if (row is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(header["Bearer ".Length..].Trim())), Encoding.ASCII.GetBytes(row.RegistrationTokenSha256)))
        {
            return null;
        }

        var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        string? stored = null;
        if (await applications.FindByClientIdAsync(clientId, http.RequestAborted) is { } application
            && (await applications.GetPropertiesAsync(application, http.RequestAborted)).TryGetValue(DynamicProperty, out var property))
        {
            stored = property.GetRawText();
        }

        return new AuthorizedRegistration(row, stored);
    }

    private static readonly RegistrationError Unreadable = new(RegistrationError.InvalidClientMetadata, "The client metadata could not be read.");

    private static readonly string[] OfferedScopes = [OAuthServerOptions.MailScope, Scopes.OfflineAccess];

    /// <summary>The checked metadata (null when refused, with the error) and the body as sent.</summary>
    private static async Task<(ClientMetadata? Metadata, RegistrationError? Error, JsonElement Body)> ReadMetadataAsync(HttpContext http)
    {
        if (!(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new RegistrationError(RegistrationError.InvalidClientMetadata, "Send the client metadata as application/json (RFC 7591 section 3.1)."), default);
        }

        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), http.RequestAborted)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyBytes)
        {
            return (null, new RegistrationError(RegistrationError.InvalidClientMetadata, $"The metadata must be at most {MaxBodyBytes} bytes."), default);
        }

        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 8 });
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return (null, new RegistrationError(RegistrationError.InvalidClientMetadata, "The body is not valid JSON."), default);
        }

        var (metadata, error) = ClientMetadataRules.Check(body, OfferedScopes);
        return (metadata, error, body);
    }

    private static IResult InvalidToken(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Error(StatusCodes.Status401Unauthorized, "invalid_token", "The registration access token is missing or wrong, or the client does not exist.");
    }

    private static IResult Error(int status, string error, string description) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);

    internal static string Hash(string token) => Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Truncate(string text, int length) => text.Length == 0 ? null : text.Length > length ? text[..length] : text;

    private const string LogCategory = "HostedMail.Identity.OAuth.ClientRegistration";

    [LoggerMessage(EventId = 9010, Level = LogLevel.Information, Message = "OAuth client {ClientId} registered from {Address} as \"{ClientName}\" with redirect URIs {RedirectUris}")]
    private static partial void Registered(ILogger logger, string clientId, string address, string clientName, string redirectUris);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Information, Message = "OAuth client {ClientId} updated its registration from {Address}")]
    private static partial void Updated(ILogger logger, string clientId, string address);

    [LoggerMessage(EventId = 9012, Level = LogLevel.Information, Message = "OAuth client {ClientId} deleted its registration from {Address}")]
    private static partial void Deleted(ILogger logger, string clientId, string address);

    [LoggerMessage(EventId = 9013, Level = LogLevel.Warning, Message = "OAuth client registration from {Address} refused: {Error}")]
    private static partial void Refused(ILogger logger, string address, string error);
}
