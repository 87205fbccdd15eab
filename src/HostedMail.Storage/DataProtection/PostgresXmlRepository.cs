using System.Xml.Linq;
using HostedMail.Storage.Stores;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace HostedMail.Storage.DataProtection;

/// <summary>
/// The Data Protection key ring in PostgreSQL (<c>cluster.data_protection_keys</c>, migration 0071), so
/// every node protects and unprotects with the same keys. Elements arrive here already encrypted
/// by the configured <see cref="Microsoft.AspNetCore.DataProtection.XmlEncryption.IXmlEncryptor"/>.
/// </summary>
// Implementation notes: IXmlRepository is synchronous (the key ring is read rarely and cached by
// the key manager); two nodes creating a key at the same moment both keep theirs, which the key
// manager handles like any key ring with two active keys (the newest wins, both unprotect).
internal sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    private const string SelectSql = "SELECT xml FROM cluster.data_protection_keys ORDER BY created_at, friendly_name";

    private const string InsertSql = "INSERT INTO cluster.data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand(SelectSql, connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand(InsertSql, connection);
        command.Parameters.Add(Db.Parameter("name", friendlyName));
        command.Parameters.Add(Db.Parameter("xml", element.ToString(SaveOptions.DisableFormatting)));
        command.ExecuteNonQuery();
    }
}
