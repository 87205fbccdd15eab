using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Storage.DataProtection;

/// <summary>The operator's key that encrypts Data Protection keys at rest (<c>DataProtection:EncryptionKey</c>: 32 bytes, base64).</summary>
public sealed class DataProtectionKeyEncryption
{
    public DataProtectionKeyEncryption(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("DataProtection:EncryptionKey must be 32 bytes (base64 of 32 random bytes: openssl rand -base64 32)", nameof(key));
        }

        Key = key;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));
    }

    internal byte[] Key { get; }

    /// <summary>Names the key without revealing it, so a node with the wrong key says which one it needs.</summary>
    public string KeyId { get; }
}

/// <summary>
/// Encrypts a Data Protection key element with AES-256-GCM under the operator's key before it is
/// stored: <c>&lt;encryptedKey keyId=".."&gt;&lt;value&gt;base64(nonce | tag | ciphertext)&lt;/value&gt;&lt;/encryptedKey&gt;</c>.
/// </summary>
internal sealed class AesGcmXmlEncryptor(DataProtectionKeyEncryption encryption) : IXmlEncryptor
{
    internal const int NonceSize = 12;
    internal const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(encryption.Key, TagSize))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement("encryptedKey",
            new XAttribute("keyId", encryption.KeyId),
            new XComment(" AES-256-GCM under DataProtection:EncryptionKey (docs/operations.md) "),
            new XElement("value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(AesGcmXmlDecryptor));
    }
}

/// <summary>Reverses <see cref="AesGcmXmlEncryptor"/>; created by Data Protection by type name, with the node's services.</summary>
internal sealed class AesGcmXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var encryption = services.GetService<DataProtectionKeyEncryption>()
            ?? throw new CryptographicException("A Data Protection key is encrypted, but DataProtection:EncryptionKey is not configured on this node");
        var keyId = (string?)encryptedElement.Attribute("keyId");
        if (keyId != encryption.KeyId)
        {
            throw new CryptographicException($"A Data Protection key is encrypted under key {keyId}; this node's DataProtection:EncryptionKey is {encryption.KeyId}");
        }

        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? throw new CryptographicException("encrypted Data Protection key without a value"));
        var plaintext = new byte[sealedBytes.Length - AesGcmXmlEncryptor.NonceSize - AesGcmXmlEncryptor.TagSize];
        using (var aes = new AesGcm(encryption.Key, AesGcmXmlEncryptor.TagSize))
        {
            aes.Decrypt(
                sealedBytes.AsSpan(0, AesGcmXmlEncryptor.NonceSize),
                sealedBytes.AsSpan(AesGcmXmlEncryptor.NonceSize + AesGcmXmlEncryptor.TagSize),
                sealedBytes.AsSpan(AesGcmXmlEncryptor.NonceSize, AesGcmXmlEncryptor.TagSize),
                plaintext);
        }

        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
