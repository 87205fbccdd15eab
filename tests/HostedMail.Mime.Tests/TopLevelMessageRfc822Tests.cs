using System.Text;

namespace HostedMail.Mime.Tests;

/// <summary>Found by the MIME-shaped noise property: a message whose own type is message/rfc822.</summary>
public class TopLevelMessageRfc822Tests
{
    [Fact]
    public void PartsOfATopLevelMessageRfc822AreNumberedUnderPartOne()
    {
        var text = "Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\nContent-Type: text/plain\r\n\r\none\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--c--\r\n";
        var m = MimeMessage.Parse(Encoding.UTF8.GetBytes(text));
        Assert.Equal(["", "1", "1.1", "1.2"], m.Entities.Select(e => e.PartSpecifier));
        // RFC 9051 section 6.4.5: a non-multipart message has only part 1; the carried message's parts are 1.n.
        Assert.Equal("<p>two</p>", Encoding.UTF8.GetString(m.FetchSection("1.2")!.Value.Span));
        Assert.Null(m.FetchSection("2"));
        foreach (var e in m.Entities.Where(e => e.PartSpecifier.Length > 0))
        {
            Assert.NotNull(m.FetchSection(e.PartSpecifier));
        }
    }
}
