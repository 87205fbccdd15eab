using System.Buffers;
using System.Text;

namespace HostedMail.Smtp.Tests;

/// <summary>Builds multi-segment sequences, the way Kestrel's tests feed parsers.</summary>
internal static class Sequences
{
    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var points = cuts.Where(c => c > 0 && c < data.Length).Distinct().Order().ToList();
        if (points.Count == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var end in points.Append(data.Length))
        {
            var memory = data.AsMemory(start, end - start);
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }
            start = end;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>One segment per byte: the worst case for a parser.</summary>
    public static ReadOnlySequence<byte> ByteByByte(byte[] data) => Split(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
