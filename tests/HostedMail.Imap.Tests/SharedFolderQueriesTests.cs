using System.Collections.Concurrent;
using System.Reflection;
using HostedMail.Core.Imap;
using HostedMail.Imap.Server;

namespace HostedMail.Imap.Tests;

/// <summary>
/// Sessions that wake together ask the same folder the same question; while it is being answered
/// they share the answer (<see cref="SharedFolderQueries"/>). The store here holds every answer
/// until the test releases it, so "at the same time" is certain rather than a matter of timing.
/// </summary>
public sealed class SharedFolderQueriesTests
{
    [Fact]
    public async Task SessionsAskingForTheSameSnapshotsUidsWhileItIsLoadedShareOneQuery()
    {
        var store = HeldStore.Create(out var held);
        var shared = new SharedFolderQueries(store);

        var same = Enumerable.Range(0, 50).Select(_ => shared.ListUidsAsync(1, 2, 3, uidNext: 101, modSeq: 40, CancellationToken.None)).ToList();
        var otherSnapshot = shared.ListUidsAsync(1, 2, 3, uidNext: 102, modSeq: 41, CancellationToken.None);
        var otherMailbox = shared.ListUidsAsync(1, 9, 3, uidNext: 101, modSeq: 40, CancellationToken.None);
        Assert.Equal(3, held.Calls(nameof(IImapStore.ListUidsAsync)));

        held.Release();
        var answers = await Task.WhenAll(same);
        Assert.All(answers, a => Assert.Equal(new uint[] { 1, 2, 3 }, a.Uids));
        await otherSnapshot;
        await otherMailbox;

        // Once answered, the folder's latest state asked for (102/41) is answered from the list kept
        // (FolderUidCache), and a later state from the rows changed since it, not the whole folder again.
        Assert.Equal(new uint[] { 1, 2, 3 }, (await shared.ListUidsAsync(1, 2, 3, uidNext: 102, modSeq: 41, CancellationToken.None)).Uids);
        Assert.Equal(3, held.Calls(nameof(IImapStore.ListUidsAsync)));
        var later = await shared.ListUidsAsync(1, 2, 3, uidNext: 103, modSeq: 45, CancellationToken.None);
        Assert.Equal(3, held.Calls(nameof(IImapStore.ListUidsAsync)));
        Assert.Equal(1, held.Calls(nameof(IImapStore.ListUidChangesAsync)));
        Assert.Equal(new uint[] { 1, 3, 102 }, later.Uids);
    }

    [Fact]
    public async Task ASessionThatStopsWaitingLeavesTheSharedQueryToTheOthers()
    {
        var store = HeldStore.Create(out var held);
        var shared = new SharedFolderQueries(store);
        using var gone = new CancellationTokenSource();
        var leaving = shared.GetChangesAsync(1, 2, 3, 40, gone.Token);
        var staying = shared.GetChangesAsync(1, 2, 3, 40, CancellationToken.None);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);

        held.Release();
        Assert.Equal(41, (await staying)!.HighestModSeq);
        Assert.Equal(1, held.Calls(nameof(IImapStore.GetChangesAsync)));
    }

    /// <summary>An <see cref="IImapStore"/> whose UID lists and change answers wait for <see cref="Release"/>.</summary>
    public class HeldStore : DispatchProxy
    {
        private readonly ConcurrentDictionary<string, int> _calls = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static IImapStore Create(out HeldStore held)
        {
            var proxy = Create<IImapStore, HeldStore>();
            held = (HeldStore)(object)proxy;
            return proxy;
        }

        public int Calls(string method) => _calls.GetValueOrDefault(method);

        public void Release() => _released.TrySetResult();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            _calls.AddOrUpdate(targetMethod!.Name, 1, (_, n) => n + 1);
            return targetMethod.Name switch
            {
                nameof(IImapStore.ListUidsAsync) => AnswerAsync(new FolderUids([1, 2, 3], [false, false, false])),
                nameof(IImapStore.ListUidChangesAsync) => AnswerAsync<IReadOnlyList<UidChange>>([new UidChange(2, UidChangeKind.ExpungedByThen), new UidChange(102, UidChangeKind.Seen)]),
                nameof(IImapStore.GetChangesAsync) => AnswerAsync<FolderChanges?>(new FolderChanges(101, 41, 3, [], [])),
                _ => throw new NotSupportedException(targetMethod.Name),
            };
        }

        private async Task<T> AnswerAsync<T>(T answer)
        {
            await _released.Task;
            return answer;
        }
    }
}
