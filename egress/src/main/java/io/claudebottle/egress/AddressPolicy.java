package io.claudebottle.egress;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which resolved addresses the proxy may dial. Loopback, RFC 1918, link-local (which includes
 * the 169.254.169.254 metadata service), CGNAT, ULA, unspecified, multicast and other special
 * ranges are refused unless an {@code allowAddresses} entry (address or CIDR) covers them.
 * IPv4-mapped and NAT64 IPv6 forms are judged by the IPv4 address they carry.
 */
final class AddressPolicy {
    private static final List<Cidr> REFUSED = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"),
            Cidr.parse("127.0.0.0/8"), Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.0.0.0/24"), Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"),
            Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"),
            Cidr.parse("fec0::/10"), Cidr.parse("ff00::/8"), Cidr.parse("100::/64"), Cidr.parse("2001:db8::/32"));

    record Cidr(BigInteger network, int prefix, int bits) {
        static Cidr parse(String s) {
            String addr = s;
            int slash = s.indexOf('/');
            try {
                InetAddress a = InetAddress.getByName(slash < 0 ? s : s.substring(0, slash));
                int bits = a.getAddress().length * 8;
                int prefix = slash < 0 ? bits : Integer.parseInt(s.substring(slash + 1));
                if (prefix < 0 || prefix > bits) throw new NumberFormatException();
                return new Cidr(mask(new BigInteger(1, a.getAddress()), prefix, bits), prefix, bits);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("bad allowAddresses entry \"" + addr
                        + "\"; use an IP address or CIDR such as 127.0.0.1 or 10.0.0.0/8");
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            return b.length * 8 == bits && mask(new BigInteger(1, b), prefix, bits).equals(network);
        }

        private static BigInteger mask(BigInteger v, int prefix, int bits) {
            return v.shiftRight(bits - prefix).shiftLeft(bits - prefix);
        }
    }

    private final List<Cidr> allowed;

    private AddressPolicy(List<Cidr> allowed) {
        this.allowed = allowed;
    }

    static AddressPolicy allowing(List<String> allowAddresses) {
        return new AddressPolicy(allowAddresses.stream().map(Cidr::parse).toList());
    }

    /** True only when an allowAddresses entry covers {@code address}. */
    boolean explicitlyAllows(InetAddress address) {
        InetAddress a = embeddedIpv4(address);
        for (Cidr c : allowed) if (c.contains(a) || c.contains(address)) return true;
        return false;
    }

    boolean permits(InetAddress address) {
        InetAddress a = embeddedIpv4(address);
        for (Cidr c : allowed) if (c.contains(a) || c.contains(address)) return true;
        for (Cidr c : REFUSED) if (c.contains(a)) return false;
        return !(a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress()
                || a.isSiteLocalAddress() || a.isMulticastAddress());
    }

    /** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 (64:ff9b::/96) address. */
    static InetAddress embeddedIpv4(InetAddress a) {
        if (!(a instanceof Inet6Address)) return a;
        byte[] b = a.getAddress();
        boolean mapped = isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = isZero(b, 0, 12) && !isZero(b, 12, 16) && !(isZero(b, 12, 15) && b[15] == 1);
        boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12);
        if (!(mapped || compatible || nat64)) return a;
        try {
            return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }
}
