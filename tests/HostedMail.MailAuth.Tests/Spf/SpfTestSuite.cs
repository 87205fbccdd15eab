using System.Net;
using HostedMail.Testing.Dns;
using YamlDotNet.RepresentationModel;

namespace HostedMail.MailAuth.Tests.Spf;

/// <summary>One case of the openspf.org RFC 7208 suite with the zone data of its scenario.</summary>
public sealed record SpfSuiteCase(string Scenario, string Name, string Helo, string Host, string MailFrom, string[] Results, string? Explanation, YamlMappingNode Zone)
{
    public override string ToString() => Name;
}

/// <summary>Loads rfc7208-tests.yml and turns a scenario's zonedata into records on a <see cref="TestDnsServer"/>.</summary>
internal static class SpfTestSuite
{
    private static readonly Lazy<IReadOnlyList<SpfSuiteCase>> Cases = new(Load);

    public static IReadOnlyList<SpfSuiteCase> All => Cases.Value;

    private static List<SpfSuiteCase> Load()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(TestDataPath.Get("spf", "rfc7208-tests.yml")))
        {
            stream.Load(reader);
        }

        var cases = new List<SpfSuiteCase>();
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var scenario = Scalar(root, "description") ?? "?";
            var zone = root.Children.TryGetValue(new YamlScalarNode("zonedata"), out var z) && z is YamlMappingNode m ? m : new YamlMappingNode();
            foreach (var (key, value) in ((YamlMappingNode)root.Children[new YamlScalarNode("tests")]).Children)
            {
                var test = (YamlMappingNode)value;
                var result = test.Children[new YamlScalarNode("result")];
                var results = result is YamlSequenceNode seq ? seq.Children.Select(c => ((YamlScalarNode)c).Value!).ToArray() : [((YamlScalarNode)result).Value!];
                cases.Add(new SpfSuiteCase(scenario, ((YamlScalarNode)key).Value!, Scalar(test, "helo") ?? "", Scalar(test, "host") ?? "", Scalar(test, "mailfrom") ?? "", results, Scalar(test, "explanation"), zone));
            }
        }

        return cases;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>Serves the zone: SPF-typed data as TXT when the name has no TXT entry (RFC 7208 dropped type 99), TIMEOUT as silence.</summary>
    public static void Serve(TestDnsServer server, YamlMappingNode zone)
    {
        TestDnsRecordType[] types = [TestDnsRecordType.A, TestDnsRecordType.AAAA, TestDnsRecordType.MX, TestDnsRecordType.TXT, TestDnsRecordType.PTR, TestDnsRecordType.CNAME];
        foreach (var (key, value) in zone.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            var entries = ((YamlSequenceNode)value).Children;
            var hasTxt = entries.OfType<YamlMappingNode>().Any(e => Type(e) == "TXT");
            var present = new HashSet<TestDnsRecordType>();
            var timeout = false;
            foreach (var entry in entries)
            {
                if (entry is YamlScalarNode { Value: "TIMEOUT" })
                {
                    timeout = true;
                    continue;
                }

                var map = (YamlMappingNode)entry;
                var type = Type(map);
                var data = map.Children.Values.Single();
                if (data is YamlScalarNode { Value: "NONE" })
                {
                    continue;
                }

                TestDnsRecord? record = type switch
                {
                    "A" => TestDnsRecord.A(((YamlScalarNode)data).Value!),
                    "AAAA" => TestDnsRecord.Aaaa(((YamlScalarNode)data).Value!),
                    "MX" => TestDnsRecord.Mx(ushort.Parse(((YamlScalarNode)((YamlSequenceNode)data).Children[0]).Value!, System.Globalization.CultureInfo.InvariantCulture), ((YamlScalarNode)((YamlSequenceNode)data).Children[1]).Value!),
                    "PTR" => TestDnsRecord.Ptr(((YamlScalarNode)data).Value!),
                    "CNAME" => TestDnsRecord.Cname(((YamlScalarNode)data).Value!),
                    "TXT" => Txt(data),
                    "SPF" when !hasTxt => Txt(data),
                    _ => null,
                };
                if (record is not null)
                {
                    server.Add(name, record);
                    present.Add(record.Type);
                }
            }

            if (timeout)
            {
                // The suite's TIMEOUT applies to the queries the listed records do not answer.
                foreach (var type in types.Where(t => !present.Contains(t) && !present.Contains(TestDnsRecordType.CNAME)))
                {
                    server.Fail(name, TestDnsFailure.Timeout, type);
                }
            }
        }
    }

    private static string Type(YamlMappingNode entry) => ((YamlScalarNode)entry.Children.Keys.Single()).Value!;

    private static TestDnsRecord Txt(YamlNode data) => data is YamlSequenceNode strings
        ? TestDnsRecord.Txt([.. strings.Children.Select(s => ((YamlScalarNode)s).Value!)])
        : TestDnsRecord.Txt(((YamlScalarNode)data).Value!);

    public static IPAddress Address(string host) => IPAddress.Parse(host);
}
