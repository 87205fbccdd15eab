using HostedMail.Core.Imap;

namespace HostedMail.Storage.Stores;

/// <summary>SQL shared by the blob upserts for the cached ENVELOPE/BODYSTRUCTURE and their version (blobs.views_version).</summary>
internal static class CachedViewsSql
{
    /// <summary>
    /// The ON CONFLICT assignments of a blob upsert: keep the stored views when they are current,
    /// else take the new ones (a message stored again brings current views).
    /// </summary>
    public const string UpsertAssignments = """
        envelope = CASE WHEN blobs.views_version = EXCLUDED.views_version THEN coalesce(blobs.envelope, EXCLUDED.envelope) ELSE EXCLUDED.envelope END,
        body_structure = CASE WHEN blobs.views_version = EXCLUDED.views_version THEN coalesce(blobs.body_structure, EXCLUDED.body_structure) ELSE EXCLUDED.body_structure END,
        views_version = EXCLUDED.views_version
        """;

    /// <summary>The version written with new views (<see cref="CachedViews.CurrentVersion"/>), as SQL text.</summary>
    public const int Version = CachedViews.CurrentVersion;
}
