using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HostedMail.Storage.DataProtection;

/// <summary>Data Protection shared by every node: keys in PostgreSQL, encrypted with the operator's key.</summary>
public static class DataProtectionServiceCollectionExtensions
{
    /// <summary>The application name every node shares (the default is the content root, which differs between machines).</summary>
    public const string ApplicationName = "hostedmail";

    /// <param name="encryptionKey">32 bytes; null stores keys unencrypted (the node warns: development only).</param>
    public static IServiceCollection AddHostedMailDataProtection(this IServiceCollection services, byte[]? encryptionKey)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        if (encryptionKey is not null)
        {
            services.AddSingleton(new DataProtectionKeyEncryption(encryptionKey));
        }

        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>());
            if (sp.GetService<DataProtectionKeyEncryption>() is { } encryption)
            {
                options.XmlEncryptor = new AesGcmXmlEncryptor(encryption);
            }
        }));
        return services;
    }
}
