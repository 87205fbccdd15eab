namespace HostedMail.MailAuth.Tests;

/// <summary>Finds files under TestData/ copied next to the test assembly.</summary>
internal static class TestDataPath
{
    public static string Get(params string[] parts)
    {
        var path = Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Assert.Fail($"Test data missing: {path}. It is copied from tests/HostedMail.MailAuth.Tests/TestData at build time.");
        }

        return path;
    }
}
