// An authoritative DNS server on loopback (UDP and TCP, one port) for the end-to-end run: the
// node's portal resolves tenants' records through it (Portal:DnsServers). Its zone is a JSON
// file the tests write ({"name": [{"type": "TXT", "data": ...}]}), read on every query, so a
// test "publishes" a record by writing the file, as a tenant would at their DNS provider.
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as packet from 'dns-packet';

export type ZoneRecord = { type: 'TXT' | 'MX' | 'CNAME' | 'SRV' | 'A'; data: unknown };
export type Zone = Record<string, ZoneRecord[]>;

export function readZone(file: string): Zone {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Zone) : {};
}

/** Adds records at a name (lower-case, no trailing dot) to the zone file. */
export function publish(file: string, name: string, ...records: ZoneRecord[]): void {
  const zone = readZone(file);
  const key = name.toLowerCase().replace(/\.$/, '');
  zone[key] = [...(zone[key] ?? []), ...records];
  writeFileSync(file, JSON.stringify(zone, null, 1));
}

function answer(query: Buffer, zoneFile: string): Buffer {
  const request = packet.decode(query);
  const question = request.questions?.[0];
  const zone = readZone(zoneFile);
  const name = (question?.name ?? '').toLowerCase().replace(/\.$/, '');
  const records = zone[name];
  const exists = records !== undefined || Object.keys(zone).some((k) => k.endsWith('.' + name));
  const matching = (records ?? []).filter((r) => r.type === question?.type);
  return packet.encode({
    id: request.id,
    type: 'response',
    flags: packet.AUTHORITATIVE_ANSWER | ((request.flags ?? 0) & packet.RECURSION_DESIRED) | (exists ? 0 : 3), // rcode 3: NXDOMAIN
    questions: request.questions,
    answers: matching.map((r) => ({ type: r.type, name: question!.name, class: 'IN', ttl: 60, data: r.data }) as packet.Answer),
  });
}

export interface RunningDns {
  port: number;
  close(): Promise<void>;
}

export async function startDns(zoneFile: string): Promise<RunningDns> {
  const tcp = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        const reply = answer(buffer.subarray(2, 2 + length), zoneFile);
        buffer = buffer.subarray(2 + length);
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([prefix, reply]));
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as net.AddressInfo).port;
  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, remote) => {
    try {
      udp.send(answer(message, zoneFile), remote.port, remote.address);
    } catch {
      // A query we cannot decode gets no answer, like a real server dropping garbage.
    }
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  return {
    port,
    close: () => new Promise<void>((resolve) => udp.close(() => tcp.close(() => resolve()))),
  };
}
