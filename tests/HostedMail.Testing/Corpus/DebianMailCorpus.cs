namespace HostedMail.Testing.Corpus;

/// <summary>
/// Real messages shipped by Debian: the test data of Python's email package
/// (<c>libpython3.11-testsuite</c>, PSF License 2.0, installed by script/bootstrap), 47 messages
/// collected from bug reports over twenty years (broken boundaries, RFC 2231, odd charsets,
/// LF line ends as the files are stored). Debian ships no larger mail corpus: the SpamAssassin
/// public corpus and the Enron set are not packaged.
/// </summary>
public static class DebianMailCorpus
{
    public const string Package = "libpython3.11-testsuite";

    /// <summary>The directory holding msg_NN.txt, or null when the package is not installed.</summary>
    public static string? Directory =>
        System.IO.Directory.Exists("/usr/lib")
            ? System.IO.Directory.GetDirectories("/usr/lib", "python3*")
                .Select(d => Path.Combine(d, "test", "test_email", "data"))
                .Where(d => System.IO.Directory.Exists(d) && System.IO.Directory.GetFiles(d, "msg_*.txt").Length > 0)
                .Order(StringComparer.Ordinal)
                .LastOrDefault()
            : null;

    /// <summary>Every message of the package, named "python-msg_NN"; throws with the fix when the package is missing.</summary>
    public static IReadOnlyList<CorpusMessage> Load()
    {
        string directory = Directory ?? throw new InvalidOperationException($"Debian's mail test data is missing: run script/bootstrap (it installs {Package}).");
        return [.. System.IO.Directory.GetFiles(directory, "msg_*.txt")
            .Order(StringComparer.Ordinal)
            .Select(f => new CorpusMessage("python-" + Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f), "debian-python-email-data"))];
    }
}
