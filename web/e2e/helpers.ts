import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { devMailbox, nodeDll, psql } from './node';

export const baseUrl = () => process.env.E2E_BASE_URL!;

/** POSTs JSON to the portal API of the run's node, or of the node at `base` (a spec's own). */
export const postApi = (path: string, body: unknown, base = baseUrl()): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
export const zoneDir = () => process.env.E2E_ZONE_DIR!;

/** Runs SQL on the node's database: for state no API sets, such as a subscription Stripe reported past due. */
export const sql = (statement: string) => psql(statement, process.env.E2E_DATABASE!);

/** An operator command (`hostedmail ...`) against the node whose settings `nodeEnv` holds (node.ts Environment.nodeEnv). */
export const cliOf = (nodeEnv: string) => (...args: string[]) =>
  execFileSync('dotnet', [nodeDll(), ...args], { env: JSON.parse(readFileSync(nodeEnv, 'utf8')), stdio: 'pipe' }).toString();

/** An operator command (`hostedmail ...`) against the test node, with its settings. */
export const cli = (...args: string[]) => cliOf(process.env.E2E_NODE_ENV!)(...args);

/** An operator command that reads its standard input (e.g. `mailbox create ... --password-stdin`). */
export const cliWithInput = (input: string, ...args: string[]) =>
  execFileSync('dotnet', [nodeDll(), ...args], { env: JSON.parse(readFileSync(process.env.E2E_NODE_ENV!, 'utf8')), input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

/** RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for a base32 secret, `offset` steps from now. */
export function totp(base32: string, offset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const hash = createHmac('sha1', key).update(counter).digest();
  const at = hash[hash.length - 1] & 0x0f;
  return String((hash.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function imap(url: string, command?: string): string {
  const args = ['-s', '--max-time', '20', '--user', `${devMailbox.address}:${devMailbox.password}`, url];
  if (command) args.push('-X', command);
  return execFileSync('curl', args, { encoding: 'utf8' });
}

/**
 * Reads the newest portal mail to `to` from the development mailbox over IMAP (the node
 * delivers all portal mail there in Portal:MailMode=mailbox) and returns its #token= link
 * (one other than `except`, the token of an earlier mail, when given). `imapPort`: another node's
 * IMAP listener (a spec's own node, e2e/billing.spec.ts), not the run's.
 */
export async function mailedToken(to: string, page: 'confirm-email' | 'reset-password', except?: string, imapPort = Number(process.env.E2E_IMAP_PORT)): Promise<string> {
  const box = `imap://127.0.0.1:${imapPort}/INBOX`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const uids = (imap(box, `UID SEARCH TO "${to}"`).match(/\* SEARCH([\d ]*)/)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    if (uids.length > 0) {
      const message = imap(`${box};UID=${Math.max(...uids)}`);
      const match = message.replace(/=\r?\n/g, '').match(new RegExp(`/${page}#token=([a-z2-7]+)`));
      // A later mail to the same address: wait until it is there rather than read the last one.
      if (match && match[1] !== except) return match[1];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${page} mail to ${to} in ${devMailbox.address}`);
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** A full-page screenshot in the test output folder, named by language and page. */
export async function shoot(page: Page, info: TestInfo, name: string): Promise<void> {
  const dir = path.join(info.project.outputDir, 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${info.project.name}-${name}.png`), fullPage: true });
}

/** Every page gets both: axe and a screenshot. */
export async function visit(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await checkAccessibility(page, name);
  await shoot(page, info, name);
}

/** A native app's loopback redirect listener: resolves with the first request's query. */
export async function loopbackRedirect(path = '/callback'): Promise<{ uri: string; received: Promise<URLSearchParams>; close: () => void }> {
  let resolve!: (q: URLSearchParams) => void;
  const received = new Promise<URLSearchParams>((r) => (resolve = r));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    resolve(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { uri: `http://127.0.0.1:${port}${path}`, received, close: () => server.close() };
}

/** A POST from a chosen loopback source address (the registration budget is per client address). */
export function postJson(path: string, body: unknown, localAddress: string): Promise<{ status: number; json: Record<string, unknown>; headers: http.IncomingHttpHeaders }> {
  const url = new URL(path, baseUrl());
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {}, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export async function token(form: Record<string, string>): Promise<{ status: number; json: Record<string, string> }> {
  const response = await fetch(`${baseUrl()}/connect/token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, json: await response.json() };
}
