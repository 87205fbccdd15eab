using System.Runtime.InteropServices;

namespace HostedMail.Imap.Server;

/// <summary>
/// Node-wide cache of message content FETCH serves often: header blocks and small whole blobs,
/// keyed by tenant and SHA-256. Blobs never change, so entries are never stale; the only policy is
/// the byte budget (configuration <c>Imap:ContentCacheBytes</c>, 0 turns it off).
/// </summary>
// Implementation notes:
// - Two generations: entries go into the young one; when it holds half the budget it becomes the
//   old one and the previous old one is dropped. A hit in the old generation moves the entry back
//   to the young one, so what is used stays and what is not ages out within two turns. Memory
//   stays under the budget plus one entry, with no per-entry bookkeeping beyond the dictionaries.
// - Keys carry the tenant: a session only looks up digests its own (tenant-scoped) metadata gave it,
//   and equal bytes in two tenants are two entries.
public sealed class ImapContentCache(long budgetBytes)
{
    private readonly Lock _lock = new();
    private Dictionary<Key, byte[]> _young = [];
    private Dictionary<Key, byte[]> _old = [];
    private long _youngBytes;

    public bool TryGet(long tenantId, ReadOnlySpan<byte> sha256, bool header, out byte[] content)
    {
        if (budgetBytes <= 0 || sha256.Length != 32)
        {
            content = [];
            return false;
        }

        var key = new Key(tenantId, header, sha256);
        lock (_lock)
        {
            if (_young.TryGetValue(key, out content!))
            {
                return true;
            }

            if (_old.Remove(key, out content!))
            {
                AddLocked(key, content);
                return true;
            }
        }

        content = [];
        return false;
    }

    public void Add(long tenantId, ReadOnlySpan<byte> sha256, bool header, byte[] content)
    {
        if (budgetBytes <= 0 || sha256.Length != 32 || content.Length > budgetBytes / 8)
        {
            return;
        }

        var key = new Key(tenantId, header, sha256);
        lock (_lock)
        {
            if (!_young.ContainsKey(key))
            {
                _old.Remove(key);
                AddLocked(key, content);
            }
        }
    }

    private void AddLocked(Key key, byte[] content)
    {
        _young[key] = content;
        _youngBytes += content.Length + 64;
        if (_youngBytes >= budgetBytes / 2)
        {
            _old = _young;
            _young = [];
            _youngBytes = 0;
        }
    }

    private readonly record struct Key(long Tenant, bool Header, ulong A, ulong B, ulong C, ulong D)
    {
        public Key(long tenant, bool header, ReadOnlySpan<byte> sha256)
            : this(tenant, header, Read(sha256, 0), Read(sha256, 8), Read(sha256, 16), Read(sha256, 24))
        {
        }

        private static ulong Read(ReadOnlySpan<byte> bytes, int offset) => MemoryMarshal.Read<ulong>(bytes[offset..]);
    }
}
