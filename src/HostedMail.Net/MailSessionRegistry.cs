using System.Collections.Concurrent;
using HostedMail.Core.Mailboxes;

namespace HostedMail.Net;

/// <summary>
/// The node's open mail connections and who they logged in as, so that a revoked credential
/// ends the sessions using it (issue 18): each logged-in connection is watched through
/// <see cref="ICredentialRevocationFeed"/> (the mailbox's and the tenant's grains, cluster-wide),
/// and a revocation asks it to close; it answers with its protocol's last word (SMTP 421,
/// IMAP * BYE, POP3 -ERR) at its next wait for the client.
/// </summary>
public sealed class MailSessionRegistry(ICredentialRevocationFeed? revocations = null)
{
    /// <summary>What a session tells its client when its credentials were revoked.</summary>
    public const string RevokedReason = "Credentials changed or revoked, log in again";

    private readonly ConcurrentDictionary<string, Entry> _connections = new(StringComparer.Ordinal);

    /// <summary>Open connections (for tests and metrics).</summary>
    public int Count => _connections.Count;

    internal IDisposable Add(MailConnection connection)
    {
        var entry = new Entry(connection);
        _connections[connection.Info.ConnectionId] = entry;
        return new Registration(this, connection.Info.ConnectionId);
    }

    /// <summary>
    /// Records that a connection logged in as <paramref name="subject"/> (a mailbox address) and,
    /// when the mailbox is known (<paramref name="login"/>), ends it when the login is revoked.
    /// </summary>
    public void Authenticated(string connectionId, string subject, SessionLogin? login = null)
    {
        if (!_connections.TryGetValue(connectionId, out var entry))
        {
            return;
        }

        entry.Subject = subject;
        if (login is not null && revocations is not null)
        {
            var connection = entry.Connection;
            entry.Replace(revocations.Watch(login, () => connection.RequestClose(RevokedReason)));
        }
    }

    private sealed class Entry(MailConnection connection)
    {
        private IDisposable? _watch;

        public MailConnection Connection { get; } = connection;

        public volatile string? Subject;

        public void Replace(IDisposable? watch) => Interlocked.Exchange(ref _watch, watch)?.Dispose();
    }

    private sealed class Registration(MailSessionRegistry registry, string connectionId) : IDisposable
    {
        public void Dispose()
        {
            if (registry._connections.TryRemove(connectionId, out var entry))
            {
                entry.Replace(null);
            }
        }
    }
}
