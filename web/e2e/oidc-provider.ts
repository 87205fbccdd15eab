// A tenant's own OpenID Connect provider for the single sign-on spec: the smallest provider the
// node's OpenIddict client accepts (discovery, JWKS, authorization code with PKCE S256, the RFC 9207
// "iss" parameter, an RS256 id token with the nonce), on loopback. It signs in whoever `email`
// names without asking, as a real provider would after its own sign-in page.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const clientId = 'hostedmail-e2e';
export const clientSecret = 'an e2e provider secret';

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

interface Pending {
  redirectUri: string;
  challenge: string;
  nonce: string;
  email: string;
}

export interface Provider {
  issuer: string;
  /** The address the next sign-in asserts. */
  email: string;
  close(): Promise<void>;
}

export async function startProvider(redirectUri: string): Promise<Provider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = b64url(randomBytes(8));
  const codes = new Map<string, Pending>();
  const state: Provider = { issuer: '', email: '', close: async () => {} };

  const idToken = (claims: Record<string, unknown>) => {
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const body = b64url(JSON.stringify(claims));
    return `${head}.${body}.${b64url(sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey))}`;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', state.issuer);
    const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      json(200, {
        issuer: state.issuer,
        authorization_endpoint: `${state.issuer}authorize`,
        token_endpoint: `${state.issuer}token`,
        jwks_uri: `${state.issuer}jwks`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: ['openid', 'email', 'profile'],
        authorization_response_iss_parameter_supported: true,
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/jwks') {
      json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('redirect_uri') !== redirectUri || q.get('code_challenge_method') !== 'S256' || !q.get('nonce')) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad authorization request');
        return;
      }
      const code = b64url(randomBytes(16));
      codes.set(code, { redirectUri, challenge: q.get('code_challenge')!, nonce: q.get('nonce')!, email: state.email });
      const back = new URL(redirectUri);
      back.search = new URLSearchParams({ code, state: q.get('state') ?? '', iss: state.issuer }).toString();
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(text);
        const basic = (req.headers.authorization ?? '').startsWith('Basic ')
          ? Buffer.from(req.headers.authorization!.slice(6), 'base64').toString().split(':').map(decodeURIComponent)
          : [form.get('client_id'), form.get('client_secret')];
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (basic[0] !== clientId || basic[1] !== clientSecret || !pending || pending.redirectUri !== form.get('redirect_uri')
          || b64url(createHash('sha256').update(verifier).digest()) !== pending.challenge) {
          json(400, { error: 'invalid_grant' });
          return;
        }
        const accessToken = b64url(randomBytes(32));
        const now = Math.floor(Date.now() / 1000);
        json(200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'openid email profile',
          id_token: idToken({
            iss: state.issuer, sub: `e2e|${pending.email}`, aud: clientId, iat: now, exp: now + 300, nonce: pending.nonce,
            at_hash: b64url(createHash('sha256').update(accessToken).digest().subarray(0, 16)),
            email: pending.email, email_verified: true,
          }),
        });
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}
