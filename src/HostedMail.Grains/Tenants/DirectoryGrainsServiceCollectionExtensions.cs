using HostedMail.Core.Aliases;
using HostedMail.Core.Delivery;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Outbound;
using HostedMail.Core.Tenants;
using HostedMail.Grains.Domains;
using HostedMail.Grains.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Grains.Tenants;

/// <summary>Registrations of the tenant and domain grains' services.</summary>
public static class DirectoryGrainsServiceCollectionExtensions
{
    /// <summary>In a silo: RCPT resolution from the domains' grains instead of a query per RCPT, and the writes the domains' grains run.</summary>
    public static IServiceCollection AddTenantAndDomainGrains(this IServiceCollection services)
    {
        services.AddDomainOperations();
        services.TryAddSingleton(new SendingLimitOptions());
        services.TryAddSingleton(new DomainCheckOptions());
        services.TryAddSingleton(new DomainDirectoryOptions());
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton<IRecipientLookup, GrainRecipientLookup>());
        return services;
    }

    /// <summary>
    /// Wraps the directory stores registered so far (call after the storage registrations) so every
    /// committed directory change made outside the domain's grain tells the grains that answer from
    /// memory, and every revocation of a mailbox's credentials its grain (which ends the mailbox's
    /// sessions on every node); in a process that is no cluster member and no cluster client the
    /// notifiers have no grains and do nothing. (The domain's own writes are made by its grain,
    /// which corrects its memory itself: <see cref="DomainOperations"/>.)
    /// </summary>
    public static IServiceCollection AddDirectoryChangeNotifications(this IServiceCollection services)
    {
        services.TryAddSingleton<IDirectoryChangeNotifier, GrainDirectoryChangeNotifier>();
        services.TryAddSingleton<ICredentialRevocationNotifier, GrainCredentialRevocationNotifier>();
        services.TryAddSingleton(sp => new DirectoryChangeStores(Inner<IDomainStore>(sp), sp.GetRequiredService<IDirectoryChangeNotifier>(),
            sp.GetRequiredService<ICredentialRevocationNotifier>()));
        Decorate<ITenantStore>(services, (sp, inner) => sp.GetRequiredService<DirectoryChangeStores>().Wrap(inner));
        Decorate<IDomainStore>(services, (sp, inner) => sp.GetRequiredService<DirectoryChangeStores>().Wrap(inner));
        Decorate<IMailboxStore>(services, (sp, inner) => sp.GetRequiredService<DirectoryChangeStores>().Wrap(inner));
        Decorate<IAliasStore>(services, (sp, inner) => sp.GetRequiredService<DirectoryChangeStores>().Wrap(inner));
        Decorate<ITenantDirectoryStore>(services, (sp, inner) => sp.GetRequiredService<DirectoryChangeStores>().Wrap(inner));
        return services;
    }

    /// <summary>The undecorated store, kept under <see cref="Undecorated{T}"/>.</summary>
    private static T Inner<T>(IServiceProvider services) where T : class => services.GetRequiredService<Undecorated<T>>().Value;

    private static void Decorate<T>(IServiceCollection services, Func<IServiceProvider, T, T> wrap) where T : class
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} must be registered before it is decorated");
        services.Remove(original);
        services.AddSingleton(sp => new Undecorated<T>((T)(original.ImplementationInstance
            ?? original.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!))));
        services.AddSingleton(sp => wrap(sp, sp.GetRequiredService<Undecorated<T>>().Value));
    }

    private sealed record Undecorated<T>(T Value);
}
