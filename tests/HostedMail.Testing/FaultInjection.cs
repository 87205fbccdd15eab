using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Testing;

/// <summary>
/// Replaces a registered service with a proxy that throws (as a bug or an outage would) when a
/// predicate matches the call, and otherwise forwards to the real implementation. Tests use it to
/// prove that an unexpected error becomes a protocol reply and leaves the session usable.
/// </summary>
public static class FaultInjection
{
    public const string Message = "injected fault";

    /// <summary>Wraps the last registration of <typeparamref name="T"/>; <paramref name="fails"/> sees the method and its arguments.</summary>
    public static IServiceCollection InjectFault<T>(this IServiceCollection services, Func<MethodInfo, object?[], bool> fails) where T : class
    {
        var registration = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(registration);
        services.AddSingleton(sp => Wrap((T)Resolve(sp, registration), fails));
        return services;
    }

    public static T Wrap<T>(T inner, Func<MethodInfo, object?[], bool> fails) where T : class
    {
        var proxy = DispatchProxy.Create<T, FaultProxy<T>>();
        var fault = (FaultProxy<T>)(object)proxy;
        fault.Inner = inner;
        fault.Fails = fails;
        return proxy;
    }

    private static object Resolve(IServiceProvider services, ServiceDescriptor registration) =>
        registration.ImplementationInstance
        ?? registration.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, registration.ImplementationType!);

    public class FaultProxy<T> : DispatchProxy where T : class
    {
        internal T Inner { get; set; } = null!;

        internal Func<MethodInfo, object?[], bool> Fails { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            args ??= [];
            if (Fails(targetMethod, args))
            {
                throw new InvalidOperationException($"{Message} in {typeof(T).Name}.{targetMethod.Name}");
            }

            try
            {
                return targetMethod.Invoke(Inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}
