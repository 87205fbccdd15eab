using System.Collections.Concurrent;
using HostedMail.Core.Mailboxes;
using Microsoft.Extensions.Hosting;

namespace HostedMail.Net;

/// <summary>
/// The node's open mail connections and who they logged in as, so that a revoked credential
/// ends the sessions using it (issue 18): each one is asked to close and answers with its
/// protocol's last word (SMTP 421, IMAP * BYE, POP3 -ERR) at its next wait for the client.
/// </summary>
public sealed class MailSessionRegistry
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

    /// <summary>Records that a connection logged in as <paramref name="subject"/> (a mailbox address).</summary>
    public void Authenticated(string connectionId, string subject)
    {
        if (_connections.TryGetValue(connectionId, out var entry))
        {
            entry.Subject = subject;
        }
    }

    /// <summary>Asks every connection logged in as <paramref name="subject"/> to close; returns how many.</summary>
    public int EndSessionsOf(string subject, string reason)
    {
        var ended = 0;
        foreach (var entry in _connections.Values)
        {
            if (entry.Subject is { } s && s.Equals(subject, StringComparison.OrdinalIgnoreCase))
            {
                entry.Connection.RequestClose(reason);
                ended++;
            }
        }

        return ended;
    }

    private sealed class Entry(MailConnection connection)
    {
        public MailConnection Connection { get; } = connection;

        public volatile string? Subject;
    }

    private sealed class Registration(MailSessionRegistry registry, string connectionId) : IDisposable
    {
        public void Dispose() => registry._connections.TryRemove(connectionId, out _);
    }
}

/// <summary>Ends this node's sessions of a mailbox when the cluster revokes its credentials.</summary>
internal sealed class CredentialRevocationWatcher(ICredentialRevocationFeed feed, MailSessionRegistry sessions) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(address => sessions.EndSessionsOf(address, MailSessionRegistry.RevokedReason));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
