#!/usr/bin/env python3
"""A loopback DNS server for the lossy-resolver SMTP benchmark (bench/smtp/lossy-dns.sh).

Answers like a recursive resolver that loses packets under load: a share of the UDP queries
(--loss, 0..1, seeded) get no answer at all. TXT at --spf-domain is an SPF record allowing
loopback; every other name is NXDOMAIN, with an SOA unless --no-soa (then not negatively
cacheable, RFC 2308 section 5, as the machine's resolver answered). --ttl is the TTL of the SPF
answer and of the SOA (0: every message asks again). Counts go to --stats on SIGTERM/SIGINT.
"""
import argparse, random, signal, socket, struct, sys


def parse_question(data):
    if len(data) < 12:
        return None
    qd = struct.unpack("!H", data[4:6])[0]
    if qd != 1:
        return None
    i, labels = 12, []
    while i < len(data):
        n = data[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            return None
        labels.append(data[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    if i + 4 > len(data):
        return None
    qtype = struct.unpack("!H", data[i:i + 2])[0]
    return ".".join(labels), qtype, i + 4


def name_bytes(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def reply(query, qend, rcode, answers, authority):
    flags = 0x8000 | (query[2] & 0x01) << 8 | 0x0080 | rcode
    header = query[:2] + struct.pack("!HHHHH", flags, 1, len(answers), len(authority), 0)
    return header + query[12:qend] + b"".join(answers) + b"".join(authority)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--ttl", type=int, default=0)
    p.add_argument("--no-soa", action="store_true")
    p.add_argument("--spf-domain", default="remote.example")
    p.add_argument("--stats", default=None)
    a = p.parse_args()
    rng = random.Random(a.seed)
    counts = {"queries": 0, "dropped": 0}

    def stop(*_):
        if a.stats:
            with open(a.stats, "w") as f:
                f.write("queries %d\ndropped %d\n" % (counts["queries"], counts["dropped"]))
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", a.port))
    spf = b"v=spf1 ip4:127.0.0.0/8 -all"
    soa_rdata = name_bytes("ns.invalid") + name_bytes("hostmaster.invalid") + struct.pack("!IIIII", 1, 3600, 600, 86400, a.ttl)
    print("READY", flush=True)
    while True:
        data, peer = s.recvfrom(4096)
        q = parse_question(data)
        if q is None:
            continue
        counts["queries"] += 1
        if a.loss > 0 and rng.random() < a.loss:
            counts["dropped"] += 1
            continue
        name, qtype, qend = q
        if name == a.spf_domain and qtype == 16:
            rdata = bytes([len(spf)]) + spf
            answer = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, a.ttl, len(rdata)) + rdata
            s.sendto(reply(data, qend, 0, [answer], []), peer)
        else:
            authority = [] if a.no_soa else [name_bytes("invalid") + struct.pack("!HHIH", 6, 1, a.ttl, len(soa_rdata)) + soa_rdata]
            s.sendto(reply(data, qend, 3, [], authority), peer)


if __name__ == "__main__":
    main()
