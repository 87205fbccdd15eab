using System.Security.Cryptography;
using HostedMail.Server.Node;
using HostedMail.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests.Cluster;

/// <summary>Data Protection keys are shared through PostgreSQL and encrypted at rest with the operator's key.</summary>
public sealed class DataProtectionTests
{
    [Fact]
    public async Task WhatOneNodeProtectsAnotherUnprotectsAndTheStoredKeyIsEncrypted()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        // Two nodes: separate compositions, data sources and key managers, one database.
        await using var a = Build(database, MailNode.DataProtectionKey);
        await using var b = Build(database, MailNode.DataProtectionKey);
        var ticket = Protector(a).Protect("session of alice");
        Assert.Equal("session of alice", Protector(b).Unprotect(ticket));

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(xml, '') FROM cluster.data_protection_keys", connection);
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("<encryptedKey", stored, StringComparison.Ordinal);
        // The key material itself (<masterKey>, in the clear without an encryptor) is not readable.
        Assert.DoesNotContain("masterKey", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANodeWithAnotherEncryptionKeyCannotUseTheSharedKeys()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var a = Build(database, MailNode.DataProtectionKey);
        var ticket = Protector(a).Protect("session of alice");
        await using var stranger = Build(database, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Assert.ThrowsAny<CryptographicException>(() => Protector(stranger).Unprotect(ticket));
    }

    private static WebApplication Build(TestDatabase database, string encryptionKey) => NodeHost.Build(new Dictionary<string, string?>
    {
        ["Database:ConnectionString"] = database.ConnectionString,
        ["Http:Urls"] = "http://127.0.0.1:0",
        ["Orleans:SiloPort"] = "0",
        ["Orleans:GatewayPort"] = "0",
        ["DataProtection:EncryptionKey"] = encryptionKey,
    });

    private static IDataProtector Protector(WebApplication node) =>
        node.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("HostedMail.Tests.Session");
}
