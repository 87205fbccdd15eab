using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using HostedMail.Dns;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace HostedMail.MailAuth.Dkim;

/// <summary>Verifies every DKIM-Signature of a raw message (RFC 6376 section 6); bad signatures and keys give results, never exceptions.</summary>
public sealed class DkimVerifier(IDnsResolver resolver, DkimVerifierOptions? options = null, TimeProvider? timeProvider = null)
{
    // Implementation notes:
    // - Signatures are judged independently, top to bottom; a message's verdict is the caller's (DMARC's) business.
    // - Header fields named in h= are taken bottom-up, each instance at most once; names with no instance left
    //   contribute nothing, which is what makes over-signing work (RFC 6376 section 5.4.2).
    // - ed25519-sha256 (RFC 8463) uses BouncyCastle's Ed25519, since .NET 10's BCL has none: PureEdDSA over the SHA-256
    //   hash of the header data (RFC 8463 section 3). The key type (k=) must match a=, else PermError (section 4).
    private readonly DkimVerifierOptions _options = options ?? new DkimVerifierOptions();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Verifies each DKIM-Signature header field of <paramref name="message"/>, in order; empty when the message is unsigned.</summary>
    public async Task<IReadOnlyList<DkimResult>> VerifyAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var parsed = RawMessage.Parse(message);
        var results = new List<DkimResult>();
        var bodyHashes = new Dictionary<(DkimCanonicalization, long, string), byte[]>();
        foreach (var header in parsed.Headers)
        {
            if (!header.Name.Equals("DKIM-Signature", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (results.Count >= _options.MaxSignatures)
            {
                results.Add(new DkimResult(AuthStatus.PermError, "too many signatures; not verified"));
                continue;
            }

            results.Add(await VerifyOneAsync(parsed, header, bodyHashes, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<DkimResult> VerifyOneAsync(RawMessage message, RawHeader signatureHeader, Dictionary<(DkimCanonicalization, long, string), byte[]> bodyHashes, CancellationToken cancellationToken)
    {
        var text = Encoding.Latin1.GetString(signatureHeader.Value);
        if (!DkimTagList.TryParse(text, out var tags, out var error))
        {
            return new DkimResult(AuthStatus.PermError, $"malformed signature: {error}");
        }

        var result = new DkimResult(AuthStatus.PermError, string.Empty)
        {
            Domain = tags.GetValueOrDefault("d", string.Empty).ToLowerInvariant(),
            Selector = tags.GetValueOrDefault("s", string.Empty),
            Algorithm = tags.GetValueOrDefault("a", string.Empty).ToLowerInvariant(),
            SignatureData = DkimTagList.StripWhitespace(tags.GetValueOrDefault("b", string.Empty)),
        };
        DkimResult Perm(string reason) => result with { Status = AuthStatus.PermError, Reason = reason };

        // Section 6.1.1: required tags, version, algorithm.
        foreach (var required in (string[])["v", "a", "b", "bh", "d", "h", "s"])
        {
            if (!tags.ContainsKey(required))
            {
                return Perm($"signature lacks the required tag {required}=");
            }
        }

        if (tags["v"] != "1")
        {
            return Perm($"unsupported signature version v={tags["v"]}");
        }

        HashAlgorithmName hash;
        switch (result.Algorithm)
        {
            case "rsa-sha256":
                hash = HashAlgorithmName.SHA256;
                break;
            case "rsa-sha1" when _options.AllowSha1:
                hash = HashAlgorithmName.SHA1;
                break;
            case "ed25519-sha256":
                hash = HashAlgorithmName.SHA256;
                break;
            default:
                return Perm($"unsupported algorithm a={result.Algorithm}");
        }

        if (!TryBase64(tags["b"], out var signature) || signature.Length == 0)
        {
            return Perm("b= is not valid base64");
        }

        if (!TryBase64(tags["bh"], out var bodyHash) || bodyHash.Length == 0)
        {
            return Perm("bh= is not valid base64");
        }

        if (!TryCanonicalization(tags.GetValueOrDefault("c"), out var headerMode, out var bodyMode))
        {
            return Perm($"unknown canonicalization c={tags["c"]}");
        }

        var domain = result.Domain;
        var selector = result.Selector;
        if (!IsDomain(domain) || selector.Length == 0 || !selector.Split('.').All(IsLabel))
        {
            return Perm("d= or s= is not a valid domain name");
        }

        var signedNames = tags["h"].Split(':').Select(n => n.Trim(' ', '\t', '\r', '\n')).ToList();
        if (signedNames.Any(n => n.Length == 0))
        {
            return Perm("h= contains an empty header name");
        }

        if (!signedNames.Contains("from", StringComparer.OrdinalIgnoreCase))
        {
            // Section 5.4: the From header field MUST be signed.
            return Perm("h= does not include From");
        }

        var identity = tags.GetValueOrDefault("i") ?? "@" + domain;
        var at = identity.LastIndexOf('@');
        var identityDomain = at >= 0 ? identity[(at + 1)..] : string.Empty;
        if (at < 0 || !(identityDomain.Equals(domain, StringComparison.OrdinalIgnoreCase) || identityDomain.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase)))
        {
            return Perm("i= is not in the signing domain");
        }

        result = result with { Identity = identity };
        long? bodyLimit = null;
        if (tags.TryGetValue("l", out var l))
        {
            if (l.Length is 0 or > 76 || !l.All(char.IsAsciiDigit) || !long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
            {
                return Perm("l= is not a number");
            }

            bodyLimit = limit;
            result = result with { BodyLengthLimited = true };
            if (_options.RejectBodyLengthLimit)
            {
                return result with { Status = AuthStatus.Neutral, Reason = "l= body length limits are not accepted" };
            }
        }

        if (tags.TryGetValue("q", out var q) && !q.Split(':').Any(m => m.Trim().StartsWith("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            return Perm($"unsupported query method q={q}");
        }

        if (!TryTime(tags, "t", out var signedAt) || !TryTime(tags, "x", out var expires))
        {
            return Perm("t= or x= is not a number");
        }

        if (signedAt is not null && expires is not null && expires < signedAt)
        {
            return Perm("x= is before t=");
        }

        if (expires is not null && DateTimeOffset.FromUnixTimeSeconds(Math.Min(expires.Value, 253402300799)) + _options.ClockSkew < _time.GetUtcNow())
        {
            // Section 3.5 x=: signatures past their expiry MUST be considered invalid.
            return Perm("signature expired");
        }

        // Section 3.6.2.1: the key lives at selector._domainkey.domain.
        var (answer, texts) = await resolver.QueryTxtAsync($"{selector}._domainkey.{domain}", cancellationToken).ConfigureAwait(false);
        if (answer.IsTransientError)
        {
            return result with { Status = AuthStatus.TempError, Reason = $"key lookup failed: DNS {answer.Status}" };
        }

        if (texts.Count == 0)
        {
            return Perm("no key for signature");
        }

        var key = DkimPublicKey.Parse(texts[0], result.Algorithm, _options);
        if (key.Error is not null)
        {
            return Perm(key.Error);
        }

        using var publicKey = key;
        result = result with { KeyBits = key.KeyBits, Testing = key.Testing };
        if (key.Strict && !identityDomain.Equals(domain, StringComparison.OrdinalIgnoreCase))
        {
            return Perm("key is flagged t=s but i= is a subdomain of d=");
        }

        // Keyed by hash, not algorithm: rsa-sha256 and ed25519-sha256 over the same body share one bh= (RFC 8463 section 3).
        var cacheKey = (bodyMode, bodyLimit ?? -1, hash.Name ?? string.Empty);
        if (!bodyHashes.TryGetValue(cacheKey, out var computedBodyHash))
        {
            var canonicalBody = DkimCanonicalizer.Body(message.Body.Span, bodyMode);
            if (bodyLimit > canonicalBody.Length)
            {
                return result with { Status = AuthStatus.Fail, Reason = "body is shorter than l=" };
            }

            computedBodyHash = Hash(hash, canonicalBody.AsSpan(0, (int)(bodyLimit ?? canonicalBody.Length)));
            bodyHashes[cacheKey] = computedBodyHash;
        }

        if (!CryptographicOperations.FixedTimeEquals(computedBodyHash, bodyHash))
        {
            return result with { Status = AuthStatus.Fail, Reason = "body hash did not verify" };
        }

        var data = SignedData(message, signedNames, signatureHeader, headerMode);
        bool valid;
        if (key.Ed25519 is { } ed25519)
        {
            if (signature.Length != Ed25519PrivateKeyParameters.SignatureSize)
            {
                return result with { Status = AuthStatus.Fail, Reason = $"Ed25519 signature is {signature.Length} bytes, not 64" };
            }

            // RFC 8463 section 3: the Ed25519 message is the 32-byte SHA-256 of the header data (PureEdDSA, not Ed25519ph).
            var verifier = new Ed25519Signer();
            verifier.Init(false, ed25519);
            verifier.BlockUpdate(SHA256.HashData(data));
            valid = verifier.VerifySignature(signature);
        }
        else
        {
            try
            {
                valid = key.Rsa!.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
            }
            catch (CryptographicException)
            {
                valid = false;
            }
        }

        return valid
            ? result with { Status = AuthStatus.Pass, Reason = "signature verified" }
            : result with { Status = AuthStatus.Fail, Reason = "signature did not verify" };
    }

    /// <summary>The header hash input: selected fields bottom-up, then the signature field with b= emptied (section 3.7).</summary>
    internal static byte[] SignedData(RawMessage message, IReadOnlyList<string> signedNames, RawHeader signatureHeader, DkimCanonicalization mode)
    {
        var output = new ArrayBufferWriter<byte>(2048);
        var used = new HashSet<int>();
        foreach (var name in signedNames)
        {
            for (var i = message.Headers.Count - 1; i >= 0; i--)
            {
                if (!used.Contains(i) && message.Headers[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    used.Add(i);
                    DkimCanonicalizer.Header(output, message.Headers[i].Field.Span, mode);
                    break;
                }
            }
        }

        DkimCanonicalizer.Header(output, WithoutSignatureValue(signatureHeader.Field.Span), mode, withCrLf: false);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The field with the value of its b= tag (and the whitespace around it) removed.</summary>
    internal static byte[] WithoutSignatureValue(ReadOnlySpan<byte> field)
    {
        var text = Encoding.Latin1.GetString(field);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, colon + 1);
        var segments = text[(colon + 1)..].Split(';');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0 && segment[..eq].Trim(' ', '\t', '\r', '\n') == "b")
            {
                segment = segment[..(eq + 1)];
                if (i == segments.Length - 1 && text.EndsWith("\r\n", StringComparison.Ordinal))
                {
                    segment += "\r\n";
                }
            }

            builder.Append(segment);
            if (i < segments.Length - 1)
            {
                builder.Append(';');
            }
        }

        return Encoding.Latin1.GetBytes(builder.ToString());
    }

#pragma warning disable CA5350 // rsa-sha1 is verify-only, for legacy signatures (RFC 6376 section 3.3); the signer never uses it.
    internal static byte[] Hash(HashAlgorithmName name, ReadOnlySpan<byte> data) =>
        name == HashAlgorithmName.SHA1 ? SHA1.HashData(data) : SHA256.HashData(data);
#pragma warning restore CA5350

    internal static bool TryCanonicalization(string? value, out DkimCanonicalization header, out DkimCanonicalization body)
    {
        header = body = DkimCanonicalization.Simple;
        if (value is null)
        {
            return true;
        }

        var parts = value.Split('/');
        if (parts.Length > 2 || !TryMode(parts[0], out header))
        {
            return false;
        }

        return parts.Length == 1 || TryMode(parts[1], out body);
    }

    private static bool TryMode(string value, out DkimCanonicalization mode)
    {
        mode = DkimCanonicalization.Simple;
        switch (value.Trim().ToLowerInvariant())
        {
            case "simple":
                return true;
            case "relaxed":
                mode = DkimCanonicalization.Relaxed;
                return true;
            default:
                return false;
        }
    }

    private static bool TryTime(Dictionary<string, string> tags, string name, out long? value)
    {
        value = null;
        if (!tags.TryGetValue(name, out var text))
        {
            return true;
        }

        if (text.Length is 0 or > 12 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        value = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    internal static bool TryBase64(string value, out byte[] bytes)
    {
        var compact = DkimTagList.StripWhitespace(value);
        bytes = new byte[compact.Length];
        if (Convert.TryFromBase64String(compact, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    private static bool IsDomain(string domain) => domain.Length is > 0 and <= 253 && domain.TrimEnd('.').Split('.').All(IsLabel);

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
