using System.Text;

namespace HostedMail.Mime.Tests;

public class EncodingTests
{
    [Theory]
    [InlineData("SGVsbG8gd29ybGQ=", "Hello world")]
    [InlineData("SGVs\r\nbG8g\r\nd29y\r\nbGQ=", "Hello world")]
    [InlineData("SGVsbG8gd29ybGQ", "Hello world")]
    [InlineData("SGVs bG8*gd29y!bGQ=", "Hello world")]
    [InlineData("", "")]
    public void Base64DecodingSkipsWhitespaceAndJunkAndToleratesMissingPadding(string input, string expected)
    {
        Assert.Equal(expected, Encoding.ASCII.GetString(TransferDecoding.DecodeBase64(Encoding.ASCII.GetBytes(input))));
    }

    [Theory]
    [InlineData("a=3Db", "a=b")]
    [InlineData("soft=\r\nbreak", "softbreak")]
    [InlineData("soft=\nbreak", "softbreak")]
    [InlineData("trailing   \r\nspace", "trailing\r\nspace")]
    [InlineData("lower=c3=a9", "lower\u00e9")]
    [InlineData("bad=ZZescape", "bad=ZZescape")]
    [InlineData("end=", "end")]
    [InlineData("=E2=82=AC", "\u20ac")]
    public void QuotedPrintableDecodingFollowsRfc2045AndKeepsMalformedEscapes(string input, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(TransferDecoding.DecodeQuotedPrintable(Encoding.ASCII.GetBytes(input))));
    }

    [Theory]
    [InlineData("=?utf-8?q?caf=C3=A9?=", "café")]
    [InlineData("=?UTF-8?B?Y2Fmw6k=?=", "café")]
    [InlineData("=?iso-8859-1?q?a_b?=", "a b")]
    [InlineData("=?utf-8?q?a?= =?utf-8?q?b?=", "ab")]
    [InlineData("=?utf-8?q?a?=\t  =?utf-8?q?b?=", "ab")]
    [InlineData("x =?utf-8?q?a?= y", "x a y")]
    [InlineData("=?utf-8?q?a?==?utf-8?q?b?=", "ab")]
    [InlineData("pre=?utf-8?q?a?=post", "preapost")]
    [InlineData("=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "\u20ac")]
    [InlineData("=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", "\u20ac")]
    [InlineData("=?utf-8*en?q?hi?=", "hi")]
    [InlineData("=?koi8-r?B?8NLJ18XU?=", "Привет")]
    [InlineData("=?x-unknown?q?abc?=", "abc")]
    [InlineData("=?utf-8?x?abc?=", "=?utf-8?x?abc?=")]
    [InlineData("not =? a word", "not =? a word")]
    [InlineData("=?utf-8?q?hello world?=", "hello world")]
    public void EncodedWordsDecodeIncludingCommonMalformedForms(string input, string expected)
    {
        Assert.Equal(expected, EncodedWords.Decode(input));
    }

    [Theory]
    [InlineData("Grüße aus Köln")]
    [InlineData("日本語のテキストはとても長いのでいくつかのエンコードされた単語に分割されなければなりません")]
    [InlineData("emoji 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 end")]
    public void EncodedWordsRoundTripAndStayWithin75Characters(string text)
    {
        IReadOnlyList<string> words = EncodedWords.EncodeWords(text);
        Assert.All(words, w => Assert.True(w.Length <= 75, w));
        Assert.Equal(text, EncodedWords.Decode(string.Join(" ", words)));
    }

    [Theory]
    [InlineData("utf-8", new byte[] { 0xC3, 0xA9 }, "é")]
    [InlineData("iso-8859-1", new byte[] { 0xE9 }, "é")]
    [InlineData("iso-8859-15", new byte[] { 0xA4 }, "€")]
    [InlineData("iso-8859-2", new byte[] { 0xB1 }, "ą")]
    [InlineData("iso-8859-5", new byte[] { 0xD0 }, "а")]
    [InlineData("windows-1252", new byte[] { 0x80 }, "€")]
    [InlineData("windows-1251", new byte[] { 0xE0 }, "а")]
    [InlineData("windows-1250", new byte[] { 0xB9 }, "ą")]
    [InlineData("koi8-r", new byte[] { 0xC1 }, "а")]
    [InlineData("gb2312", new byte[] { 0xC4, 0xE3 }, "你")]
    [InlineData("gbk", new byte[] { 0xC4, 0xE3 }, "你")]
    [InlineData("gb18030", new byte[] { 0xC4, 0xE3 }, "你")]
    [InlineData("big5", new byte[] { 0xA7, 0x41 }, "你")]
    [InlineData("shift_jis", new byte[] { 0x82, 0xA0 }, "あ")]
    [InlineData("euc-jp", new byte[] { 0xA4, 0xA2 }, "あ")]
    [InlineData("iso-2022-jp", new byte[] { 0x1B, 0x24, 0x42, 0x24, 0x22, 0x1B, 0x28, 0x42 }, "あ")]
    [InlineData("euc-kr", new byte[] { 0xB0, 0xA1 }, "가")]
    [InlineData("ks_c_5601-1987", new byte[] { 0xB0, 0xA1 }, "가")]
    [InlineData("\"UTF-8\"", new byte[] { 0x61 }, "a")]
    public void CharsetsDecodeTheCharsetsMailUses(string charset, byte[] bytes, string expected)
    {
        Assert.Equal(expected, Charsets.Decode(bytes, charset));
    }

    [Theory]
    [InlineData("no-such-charset")]
    [InlineData("utf-7")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("us-ascii")]
    public void UnknownCharsetsFallBackToUtf8OrWindows1252WithoutThrowing(string? charset)
    {
        Assert.Equal("é", Charsets.Decode([0xC3, 0xA9], charset));
        Assert.Equal("é", Charsets.Decode([0xE9], charset));
    }

    [Fact]
    public void ContentTransferEncodingNamesAreParsedCaseInsensitively()
    {
        Assert.Equal(ContentEncoding.Base64, ContentEncodings.Parse(" BASE64 "));
        Assert.Equal(ContentEncoding.QuotedPrintable, ContentEncodings.Parse("Quoted-Printable"));
        Assert.Equal(ContentEncoding.SevenBit, ContentEncodings.Parse(null));
        Assert.Equal(ContentEncoding.Unknown, ContentEncodings.Parse("x-gzip"));
    }
}
