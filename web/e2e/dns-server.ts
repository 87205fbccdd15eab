// An authoritative DNS server on loopback (UDP and TCP, one port) for the end-to-end run: the
// node's portal resolves tenants' records through it (Portal:DnsServers). Its zone is a folder
// with one JSON file per name ([{"type": "TXT", "data": ...}]), read on every query, so a test
// "publishes" a record by writing a file, as a tenant would at their DNS provider; tests running
// in parallel never write the same file.
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as packet from 'dns-packet';

export type ZoneRecord = { type: 'TXT' | 'MX' | 'CNAME' | 'SRV' | 'A'; data: unknown };

const key = (name: string) => name.toLowerCase().replace(/\.$/, '');
const fileOf = (zone: string, name: string) => path.join(zone, `${key(name)}.json`);

function recordsAt(zone: string, name: string): ZoneRecord[] | undefined {
  const file = fileOf(zone, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ZoneRecord[]) : undefined;
}

/** Adds records at a name in the zone folder. */
export function publish(zone: string, name: string, ...records: ZoneRecord[]): void {
  writeFileSync(fileOf(zone, name), JSON.stringify([...(recordsAt(zone, name) ?? []), ...records]));
}

function answer(query: Buffer, zone: string): Buffer {
  const request = packet.decode(query);
  const question = request.questions?.[0];
  const name = key(question?.name ?? '');
  const records = recordsAt(zone, name);
  // RFC 8020: a name with no records but with names below it exists (NODATA, not NXDOMAIN).
  const exists = records !== undefined || readdirSync(zone).some((f) => f.endsWith(`.${name}.json`));
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

export async function startDns(zoneDir: string): Promise<RunningDns> {
  const tcp = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        const reply = answer(buffer.subarray(2, 2 + length), zoneDir);
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
      udp.send(answer(message, zoneDir), remote.port, remote.address);
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
