using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using HostedMail.Core.Security;

namespace HostedMail.Net;

/// <summary>Settings of the verified-credential cache.</summary>
public sealed class CredentialCacheOptions
{
    /// <summary>
    /// How long at most a verified username+password is trusted without asking the verifier; each
    /// entry lives a random time between half of this and all of it. Also bounds how long a changed
    /// password keeps working on nodes that missed the invalidation.
    /// </summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>Most entries kept.</summary>
    public int MaxEntries { get; set; } = 20_000;
}

/// <summary>
/// Remembers recent successful verifications so that clients that log in again and again
/// (phones polling IMAP, POP3 every minute, SMTP per message) do not each cost a slow password
/// hash. Entries are keyed by HMAC-SHA256(random per-process key, username NUL password):
/// neither the password nor an unkeyed hash of it is ever stored, and the key dies with the
/// process.
/// </summary>
/// <remarks>
/// Implementation notes: every entry carries the credential stamp the verifier read before it
/// verified (<see cref="ICredentialVerifier.CredentialStampAsync"/>); a lookup names the current
/// stamp and an entry cached under another one is not used. The stamp lives in the shared record
/// and moves with every revocation, so a changed password or a deleted app password stops working
/// at once on every node without any message between nodes. <see cref="Invalidate"/> remains for
/// in-process changes; an invalidation during a verification in flight wins: <see cref="Add"/>
/// ignores results whose <see cref="Epoch"/> is older than the last invalidation.
/// </remarks>
public sealed class VerifiedCredentialCache(CredentialCacheOptions options, TimeProvider timeProvider)
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();
    private long _epoch;

    /// <summary>Entries kept (for tests and metrics).</summary>
    public int Count => _entries.Count;

    /// <summary>Read before verifying and pass to <see cref="Add"/>.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Gets a cached success for exactly this username and password, cached under the same credential stamp.</summary>
    public bool TryGet(string username, string password, long stamp, out AuthResult result)
    {
        result = AuthResult.Failed;
        if (!_entries.TryGetValue(Key(username, password), out var entry))
        {
            return false;
        }
        if (entry.Expires <= timeProvider.GetUtcNow() || entry.Stamp != stamp)
        {
            _entries.TryRemove(Key(username, password), out _);
            return false;
        }
        result = entry.Result;
        return true;
    }

    /// <summary>Caches a success (only successes are cached: caching failures would let a password change lag).</summary>
    public void Add(string username, string password, AuthResult result, long epoch, long stamp)
    {
        if (result.Status != AuthStatus.Succeeded || options.TimeToLive <= TimeSpan.Zero)
        {
            return;
        }
        var now = timeProvider.GetUtcNow();
        if (_entries.Count >= options.MaxEntries)
        {
            Sweep(now);
        }
        _entries[Key(username, password)] = new Entry(username, result, now + Lifetime(), stamp);
        // An invalidation that ran while the verifier worked must win.
        if (epoch != Epoch)
        {
            Invalidate(username);
        }
    }

    /// <summary>Forgets every entry of <paramref name="username"/> (password change, app password revoked, mailbox disabled).</summary>
    public void Invalidate(string username)
    {
        Interlocked.Increment(ref _epoch);
        foreach (var (key, entry) in _entries)
        {
            if (entry.Username.Equals(username, StringComparison.OrdinalIgnoreCase)
                || (entry.Result.Subject is { } subject && subject.Equals(username, StringComparison.OrdinalIgnoreCase)))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        _entries.Clear();
    }

    // Logins verified in one burst (a node's start, clients reconnecting after a failover, every
    // phone of an office at 9:00) would otherwise all expire at the same moment and queue their
    // PBKDF2 hashes for the cores together (measured: LOGIN p99 383 ms as 100 users' entries ran
    // out within seconds). A random lifetime in [TTL/2, TTL] spreads their renewals over a minute by
    // default (measured, bench/RESULTS.md: LOGIN p99 in the round where they expire 383 ms with a
    // fixed lifetime, 16.6 ms with this spread, 465 ms with [0.8 TTL, TTL]); the mean lifetime is
    // three quarters of the TTL, so an always-busy user costs a hash per 90 s instead of per 120 s.
    private TimeSpan Lifetime() => options.TimeToLive * (0.5 + (Random.Shared.NextDouble() / 2));

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Expires <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }
        if (_entries.Count >= options.MaxEntries)
        {
            // All live: dropping everything is cheap and only costs some re-verifications.
            _entries.Clear();
        }
    }

    private UInt128 Key(string username, string password)
    {
        var input = Encoding.UTF8.GetBytes(username + "\0" + password);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, mac);
        CryptographicOperations.ZeroMemory(input);
        // 128 bits of the MAC are plenty to tell entries apart.
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac);
    }

    private sealed record Entry(string Username, AuthResult Result, DateTimeOffset Expires, long Stamp);
}
