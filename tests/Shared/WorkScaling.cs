using System.Diagnostics;

namespace HostedMail.Testing.Properties;

/// <summary>
/// Proves that work grows linearly with input size by comparing one run with another on an input
/// <c>factor</c> times larger, in the same process: allocated bytes (deterministic) and the best of
/// three CPU timings. A quadratic algorithm grows by factor², a linear one by factor, and a busy
/// machine slows both sides alike, so no fixed time limit is needed (linked into each test project).
/// </summary>
internal static class WorkScaling
{
    public static void AssertLinear(Action<int> run, int smallSize, int factor = 16)
    {
        run(smallSize);
        run(smallSize * factor);

        // Allocations are deterministic: linear means ~factor (4x slack for constant overheads).
        // Timings are not: while script/test runs other test assemblies on the same 2 cores, ratios
        // of up to 315x were seen for 16x the input of a pattern that grows ~64x alone (the GC of
        // the large strings included), so time only has to stay clearly below quadratic (factor²,
        // here 256x), and a ratio over that is measured again, up to three rounds: a quadratic
        // algorithm is over the limit in every round, a burst of load on the machine is not.
        var allocationLimit = factor * 4.0;
        var timeLimit = factor * factor * 3.0 / 4.0;
        var timeRatios = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            var small = Measure(run, smallSize);
            var large = Measure(run, smallSize * factor);
            var allocationRatio = (double)Math.Max(large.Allocated, 1) / Math.Max(small.Allocated, 1);
            Assert.True(allocationRatio < allocationLimit, $"allocations grew {allocationRatio:F1}x for {factor}x the input ({small.Allocated} -> {large.Allocated} bytes)");
            var timeRatio = large.Ticks / Math.Max(small.Ticks, 1.0);
            if (timeRatio < timeLimit)
            {
                return;
            }

            timeRatios.Add($"{timeRatio:F1}x ({small.Ticks} -> {large.Ticks} ticks)");
        }

        Assert.Fail($"time grew over {timeLimit:F0}x for {factor}x the input in every round (best of 5 each): {string.Join(", ", timeRatios)}");
    }

    private static (long Allocated, long Ticks) Measure(Action<int> run, int size)
    {
        long allocated = 0;
        var best = long.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            run(size);
            best = Math.Min(best, Stopwatch.GetTimestamp() - start);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return (allocated, best);
    }
}
