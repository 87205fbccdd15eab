using System.Diagnostics;

/// <summary>One delivery and the IDLE sessions that must see it, for the idle measures of both the single node and the cluster.</summary>
internal static class ExistsWaits
{
    /// <summary>
    /// Waits in every session k with k % <paramref name="mailboxes"/> == <paramref name="box"/> for
    /// <c>* n EXISTS</c> while <paramref name="deliver"/> runs; records when <paramref name="deliver"/>
    /// returned and when each session heard (milliseconds on <paramref name="clock"/>, which
    /// <paramref name="deliver"/> may start). Returns how many sessions heard nothing within 30 s.
    /// </summary>
    public static async Task<int> DeliverAndWaitAsync(ImapClient[] clients, int box, int mailboxes, Stopwatch clock, Func<Task> deliver, List<double> delivered, List<double> heard)
    {
        var waits = new List<Task<double>>();
        for (var k = box; k < clients.Length; k += mailboxes)
        {
            var client = clients[k];
            waits.Add(Task.Run(async () =>
            {
                await client.WaitForAsync(" EXISTS");
                return clock.Elapsed.TotalMilliseconds;
            }));
        }

        await deliver();
        delivered.Add(clock.Elapsed.TotalMilliseconds);
        var all = Task.WhenAll(waits);
        if (await Task.WhenAny(all, Task.Delay(30_000)) != all)
        {
            heard.AddRange(waits.Where(w => w.IsCompletedSuccessfully).Select(w => w.Result));
            return waits.Count(w => !w.IsCompleted);
        }

        heard.AddRange(all.Result);
        return 0;
    }
}
