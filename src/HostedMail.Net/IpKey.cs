using System.Net;
using System.Net.Sockets;

namespace HostedMail.Net;

/// <summary>The key under which limits and penalties count an address.</summary>
public static class IpKey
{
    /// <summary>
    /// IPv4-mapped IPv6 becomes IPv4; other IPv6 addresses are cut to their /<paramref name="ipv6PrefixLength"/>
    /// network, because one subscriber usually holds a whole /64 and could otherwise rotate
    /// addresses to dodge every per-IP limit.
    /// </summary>
    public static IPAddress Normalize(IPAddress address, int ipv6PrefixLength = 64)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128)
        {
            return address;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = ipv6PrefixLength; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPAddress(bytes);
    }
}
