using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Storage.Stores;

/// <summary>Registration of the storage's own background work.</summary>
public static class StorageMaintenanceExtensions
{
    /// <summary>Registers the unreferenced-blob collector: for serving nodes, not for operator commands.</summary>
    public static IServiceCollection AddStorageMaintenance(this IServiceCollection services) =>
        services.AddHostedService<UnreferencedBlobCollector>();
}
