namespace HostedMail.Grains;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class GrainStorageNames
{
    /// <summary>PostgreSQL through the ADO.NET grain storage (schema <c>orleans</c>, migration 0070).</summary>
    public const string Default = "hostedmail";
}
