using System.Reflection;
using HostedMail.Billing;
using HostedMail.Core.Accounts;
using HostedMail.Core.Billing;
using HostedMail.Core.Domains;
using HostedMail.Core.Outbound;
using HostedMail.Portal.Endpoints;

namespace HostedMail.Portal.Tests;

/// <summary>
/// The values a DTO declares (<see cref="JsonValuesAttribute"/>, an <c>enum</c> in the OpenAPI
/// document and a string union in the web client) are exactly the values the mapping writes: a new
/// member of a Core enum that the declaration does not list fails here, not in a browser.
/// </summary>
public sealed class JsonValuesTests
{
    private static IReadOnlyList<string> Declared<T>(string property) =>
        typeof(T).GetProperty(property)!.GetCustomAttribute<JsonValuesAttribute>()?.Values ?? throw new InvalidOperationException($"{typeof(T).Name}.{property} declares no values");

    [Fact]
    public void DeclaredValuesAreWhatTheMappingsWrite()
    {
        Assert.Equal(Enum.GetValues<DeliveryOutcome>().Select(o => o.ToString().ToLowerInvariant()).Order(), Declared<TrackingAttemptDto>(nameof(TrackingAttemptDto.Outcome)).Order());
        Assert.Equal(Enum.GetValues<RecordStatus>().Select(s => DomainDto.Status(s)!).Order(), Declared<RecordCheckDto>(nameof(RecordCheckDto.Status)).Order());
        Assert.Equal(Declared<RecordCheckDto>(nameof(RecordCheckDto.Status)), Declared<DomainHealthDto>(nameof(DomainHealthDto.MxStatus)));
        Assert.Equal(Declared<RecordCheckDto>(nameof(RecordCheckDto.Status)), Declared<VerificationResultDto>(nameof(VerificationResultDto.Status)));
        Assert.Equal(Enum.GetValues<PortalRole>().Select(PortalRoles.Name).Order(), Declared<UserDto>(nameof(UserDto.Role)).Order());
        Assert.Equal(Declared<UserDto>(nameof(UserDto.Role)), Declared<TenantChoiceDto>(nameof(TenantChoiceDto.Role)));
        Assert.Equal(Enum.GetValues<DunningPhase>().Select(SubscriptionSync.Name).Order(), Declared<StandingDto>(nameof(StandingDto.Phase)).Order());
        var statuses = typeof(SubscriptionStatus).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(statuses.Order(), Declared<SubscriptionDto>(nameof(SubscriptionDto.Status)).Order());
    }
}
