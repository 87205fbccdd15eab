using System.Buffers.Text;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using HostedMail.Mime;

namespace HostedMail.Mime.Benchmarks;

/// <summary>Structure parsing (no body decoding) of three message shapes, plus the IMAP views of a typical message.</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class MimeParseBenchmarks
{
    internal static readonly Dictionary<string, int> Sizes = [];

    private byte[] _typical = [];
    private byte[] _attachment = [];
    private byte[] _headers = [];
    private MimeMessage? _typicalParsed;

    [GlobalSetup]
    public void Setup()
    {
        _typical = Messages.Typical(50 * 1024);
        _attachment = Messages.WithAttachment(10 * 1024 * 1024);
        _headers = Messages.HeaderHeavy(1024 * 1024);
        _typicalParsed = MimeMessage.Parse(_typical);
        Sizes[nameof(ParseTypical50KB)] = _typical.Length;
        Sizes[nameof(ParseAttachment10MB)] = _attachment.Length;
        Sizes[nameof(ParseHeaderHeavy1MB)] = _headers.Length;
        Sizes[nameof(BodyStructureTypical50KB)] = _typical.Length;
    }

    [Benchmark]
    public int ParseTypical50KB() => Walk(MimeMessage.Parse(_typical));

    [Benchmark]
    public int ParseAttachment10MB() => Walk(MimeMessage.Parse(_attachment));

    [Benchmark]
    public int ParseHeaderHeavy1MB() => Walk(MimeMessage.Parse(_headers));

    [Benchmark]
    public int BodyStructureTypical50KB() => _typicalParsed!.GetImapBodyStructure().Length + _typicalParsed.GetImapEnvelope().Length;

    // Touches the tree so that nothing is optimised away; no body is decoded.
    private static int Walk(MimeMessage m)
    {
        int n = 0;
        foreach (MimeEntity e in m.Entities)
        {
            n += e.BodyLength + e.Headers.Count;
        }

        return n;
    }
}

/// <summary>Adds an MB/s column computed from the mean time and the input size.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig() => AddColumn(new ThroughputColumn());
}

/// <summary>Input megabytes per second of a benchmark.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => "MBps";

    public string ColumnName => "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Input size / mean time, in 10^6 bytes per second";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        double? meanNs = report?.ResultStatistics?.Mean;
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        int size = method switch
        {
            nameof(MimeParseBenchmarks.ParseTypical50KB) or nameof(MimeParseBenchmarks.BodyStructureTypical50KB) => Messages.Typical(50 * 1024).Length,
            nameof(MimeParseBenchmarks.ParseAttachment10MB) => Messages.WithAttachmentLength(10 * 1024 * 1024),
            nameof(MimeParseBenchmarks.ParseHeaderHeavy1MB) => Messages.HeaderHeavy(1024 * 1024).Length,
            _ => 0,
        };
        if (meanNs is not > 0 || size == 0)
        {
            return "-";
        }

        return (size / (meanNs.Value / 1e9) / 1e6).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Deterministic synthetic messages of the benchmarked shapes.</summary>
internal static class Messages
{
    private const string Head = "Return-Path: <ann@example.com>\r\nReceived: from mail.example.com (mail.example.com [192.0.2.10])\r\n\tby mx.example.org with ESMTPS id 4Xyz; Sat, 21 Nov 2026 17:02:11 +0100\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\r\n\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\nFrom: Ann Example <ann@example.com>\r\nTo: Bob <bob@example.org>, =?utf-8?q?J=C3=B6rg?= <j@example.de>\r\nSubject: =?utf-8?q?Quarterly_report_=E2=82=AC?=\r\nDate: Sat, 21 Nov 2026 17:02:09 +0100\r\nMessage-ID: <5f1c2a9e@example.com>\r\nMIME-Version: 1.0\r\n";

    public static byte[] Typical(int size)
    {
        var sb = new StringBuilder(Head);
        sb.Append("Content-Type: multipart/mixed; boundary=\"mixed\"\r\n\r\n--mixed\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        for (int i = 0; i < 60; i++)
        {
            sb.Append("Hello Bob, here is line ").Append(i).Append(" of the text with some =C3=BC umlauts and words.\r\n");
        }

        sb.Append("--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body>");
        for (int i = 0; i < 60; i++)
        {
            sb.Append("<p>Hello Bob, here is line ").Append(i).Append(" of the text with some =C3=BC umlauts.</p>\r\n");
        }

        sb.Append("</body></html>\r\n--alt--\r\n--mixed\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        int remaining = size - sb.Length - 20;
        sb.Append(Base64Lines(Math.Max(0, remaining * 3 / 4)));
        sb.Append("--mixed--\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public static int WithAttachmentLength(int attachmentBytes) => WithAttachment(attachmentBytes).Length;

    private static readonly Dictionary<int, byte[]> Cache = [];

    public static byte[] WithAttachment(int attachmentBytes)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(attachmentBytes, out byte[]? cached))
            {
                return cached;
            }

            string head = Head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n";
            byte[] result = Encoding.ASCII.GetBytes(head + Base64Lines(attachmentBytes) + "--b--\r\n");
            Cache[attachmentBytes] = result;
            return result;
        }
    }

    public static byte[] HeaderHeavy(int size)
    {
        var sb = new StringBuilder(Head);
        int i = 0;
        while (sb.Length < size - 200)
        {
            sb.Append("Received: from relay").Append(i).Append(".example.net (relay").Append(i).Append(".example.net [198.51.100.").Append(i % 250).Append("])\r\n\tby hop").Append(i).Append(".example.net with ESMTP; Sat, 21 Nov 2026 10:00:00 +0000\r\n");
            sb.Append("X-Trace-").Append(i % 17).Append(": ").Append(i).Append("\r\n");
            i++;
        }

        sb.Append("Content-Type: text/plain\r\n\r\nbody\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static string Base64Lines(int bytes)
    {
        var data = new byte[bytes];
        new Random(1).NextBytes(data);
        var sb = new StringBuilder((bytes / 57 * 78) + 80);
        Span<byte> line = stackalloc byte[76];
        for (int i = 0; i < bytes; i += 57)
        {
            Base64.EncodeToUtf8(data.AsSpan(i, Math.Min(57, bytes - i)), line, out _, out int written);
            sb.Append(Encoding.ASCII.GetString(line[..written])).Append("\r\n");
        }

        return sb.ToString();
    }
}
