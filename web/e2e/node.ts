// Starts what the end-to-end run needs: a database of its own on the PostgreSQL that
// HOSTEDMAIL_TEST_PG names (script/test starts one), the DNS server, and a real node
// (`hostedmail serve`, the build script/test made) configured to use both.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDns, type RunningDns } from './dns-server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const devMailbox = { address: 'postmaster@ops.test', password: 'e2e development mailbox' };

/** Dynamic client registrations per client address and hour (OAuth:Registration:PerHour). */
export const oauthRegistrationsPerHour = 6;

export interface Environment {
  baseUrl: string;
  imapPort: number;
  submissionPort: number;
  pop3Port: number;
  zoneDir: string;
  outputDir: string;
  /** The node's database, for tests that set state no API sets (a past-due subscription). */
  database: string;
  /** The node's settings as environment variables (JSON), for operator commands (helpers.ts cli()). */
  nodeEnv: string;
}

function pgSettings() {
  const text = process.env.HOSTEDMAIL_TEST_PG;
  if (!text) {
    throw new Error('HOSTEDMAIL_TEST_PG is not set: run the end-to-end tests through script/test, or point it at a PostgreSQL (Host=...;Port=...;Username=postgres;Database=postgres)');
  }
  const parts = Object.fromEntries(text.split(';').filter(Boolean).map((p) => {
    const at = p.indexOf('=');
    return [p.slice(0, at).trim().toLowerCase(), p.slice(at + 1).trim()];
  }));
  return { host: parts.host ?? '127.0.0.1', port: parts.port ?? '5432', user: parts.username ?? 'postgres' };
}

export function psql(sql: string, database = 'postgres') {
  const pg = pgSettings();
  const bin = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
  execFileSync(path.join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pg.host, '-p', pg.port, '-U', pg.user, '-d', database, '-c', sql], { stdio: 'pipe' });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Writes a self-signed P-256 certificate for `commonName` (and optional subjectAltName) to dir/cert.pem and dir/key.pem. */
export function selfSignedCertificate(dir: string, commonName: string, subjectAltName?: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${commonName}`, ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : []),
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'pipe' });
}

export function nodeDll(): string {
  return process.env.HOSTEDMAIL_DLL ?? path.join(root, 'src/HostedMail.Server/bin/Debug/net10.0/hostedmail.dll');
}

export class TestNode {
  private node?: ChildProcess;
  private dns?: RunningDns;
  private database = `e2e_${process.pid}_${Date.now()}`;

  /** `settings`: more HOSTEDMAIL__... variables (e2e/billing.spec.ts starts a node with Billing settings). */
  async start(outputDir: string, settings: Record<string, string> = {}): Promise<Environment> {
    const pg = pgSettings();
    psql(`CREATE DATABASE ${this.database}`);
    const work = mkdtempSync(path.join(os.tmpdir(), 'hostedmail-e2e-'));
    const zoneDir = path.join(work, 'zone');
    mkdirSync(zoneDir);
    this.dns = await startDns(zoneDir);
    const [http, imap, submission, pop3] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // A self-signed certificate: SMTP AUTH is offered only after STARTTLS (RFC 4954 section 4).
    selfSignedCertificate(work, 'mail.hostedmail.test');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOSTEDMAIL__DATABASE__CONNECTIONSTRING: `Host=${pg.host};Port=${pg.port};Username=${pg.user};Database=${this.database}`,
      HOSTEDMAIL__HTTP__URLS: `http://127.0.0.1:${http}`,
      HOSTEDMAIL__MAIL__HOSTNAME: 'mail.hostedmail.test',
      HOSTEDMAIL__PORTAL__PUBLICURL: `http://127.0.0.1:${http}/`,
      HOSTEDMAIL__PORTAL__SECURECOOKIES: 'false',
      HOSTEDMAIL__PORTAL__MAILMODE: 'mailbox',
      HOSTEDMAIL__PORTAL__DEVELOPMENTMAILBOX: devMailbox.address,
      HOSTEDMAIL__PORTAL__DNSSERVERS: `127.0.0.1:${this.dns.port}`,
      HOSTEDMAIL__PORTAL__DOMAINCHECKS__ENABLED: 'false',
      HOSTEDMAIL__PORTAL__RATELIMITS__LOGINPERMINUTE: '1000',
      HOSTEDMAIL__PORTAL__RATELIMITS__SIGNUPPERHOUR: '1000',
      HOSTEDMAIL__PORTAL__RATELIMITS__PASSWORDRESETPERHOUR: '1000',
      HOSTEDMAIL__DNS__SERVERS__0: `127.0.0.1:${this.dns.port}`,
      HOSTEDMAIL__OUTBOUND__ENABLED: 'false',
      HOSTEDMAIL__IMAP__ALLOWPLAINTEXTAUTHENTICATION: 'true',
      HOSTEDMAIL__SECURITY__PASSWORDHASHITERATIONS: '1000',
      HOSTEDMAIL__MAIL__LISTENERS__IMAP__ENDPOINT: `127.0.0.1:${imap}`,
      HOSTEDMAIL__MAIL__LISTENERS__SUBMISSION__ENDPOINT: `127.0.0.1:${submission}`,
      HOSTEDMAIL__MAIL__LISTENERS__SMTP__ENABLED: 'false',
      HOSTEDMAIL__MAIL__LISTENERS__SUBMISSIONS__ENABLED: 'false',
      HOSTEDMAIL__MAIL__LISTENERS__IMAPS__ENABLED: 'false',
      HOSTEDMAIL__MAIL__LISTENERS__POP3__ENDPOINT: `127.0.0.1:${pop3}`,
      // The OAuth server (docs/oauth.md), for e2e/oauth.spec.ts: plain HTTP on loopback, a small
      // registration budget so the flood case reaches it quickly.
      HOSTEDMAIL__OAUTH__ISSUER: `http://127.0.0.1:${http}/`,
      HOSTEDMAIL__OAUTH__REQUIREHTTPS: 'false',
      HOSTEDMAIL__OAUTH__REGISTRATION__PERHOUR: String(oauthRegistrationsPerHour),
      HOSTEDMAIL__DATAPROTECTION__ENCRYPTIONKEY: randomBytes(32).toString('base64'),
      HOSTEDMAIL__MAIL__LISTENERS__POP3S__ENABLED: 'false',
      HOSTEDMAIL__TLS__CERTIFICATES__0__CERTIFICATEPATH: path.join(work, 'cert.pem'),
      HOSTEDMAIL__TLS__CERTIFICATES__0__KEYPATH: path.join(work, 'key.pem'),
      HOSTEDMAIL__LOGGING__LOGLEVEL__DEFAULT: 'Warning',
      // Free silo ports: a spec may run a node of its own beside the run's node.
      HOSTEDMAIL__ORLEANS__SILOPORT: '0',
      HOSTEDMAIL__ORLEANS__GATEWAYPORT: '0',
      ...settings,
    };
    // Workers run operator commands with the node's settings (e2e/helpers.ts cli()).
    const nodeEnv = path.join(work, 'node-env.json');
    writeFileSync(nodeEnv, JSON.stringify(env));
    const cli = (...args: string[]) => execFileSync('dotnet', [nodeDll(), ...args], { env, stdio: 'pipe' });
    const cliWithInput = (input: string, ...args: string[]) => execFileSync('dotnet', [nodeDll(), ...args], { env, input, stdio: ['pipe', 'pipe', 'pipe'] });
    this.node = spawn('dotnet', [nodeDll(), 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.node.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const baseUrl = `http://127.0.0.1:${http}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (this.node.exitCode !== null) throw new Error(`the node exited with ${this.node.exitCode}: ${stderr}`);
      try {
        if ((await fetch(`${baseUrl}/readyz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the node was not ready within 90 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // The node has migrated the database. The operator's own tenant holds the development
    // mailbox all portal mail goes to (the CLI writes the same database).
    cli('tenant', 'create', 'ops');
    cli('domain', 'add', 'ops.test', '--tenant', 'ops', '--verified');
    cliWithInput(devMailbox.password + '\n', 'mailbox', 'create', devMailbox.address, '--tenant', 'ops', '--password-stdin');
    return { baseUrl, imapPort: imap, submissionPort: submission, pop3Port: pop3, zoneDir, outputDir, database: this.database, nodeEnv };
  }

  async stop(): Promise<void> {
    if (this.node && this.node.exitCode === null) {
      const exited = new Promise((r) => this.node!.once('exit', r));
      this.node.kill('SIGTERM');
      await exited;
    }
    await this.dns?.close();
    try {
      psql(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    } catch {
      // The cluster is thrown away by script/test anyway.
    }
  }
}
