// Stripe for the billing spec, on loopback: the API calls a node makes (src/HostedMail.Billing/
// StripeGateway.cs: customers, Checkout and customer-portal sessions, subscriptions read and
// listed, subscription items, the next invoice's preview) with the checks Stripe makes (the bearer
// key, form encoding, an idempotency key on every POST and Stripe's replay of the first answer to a
// repeated key, the expand parameters billing relies on), and two pages of Stripe's a browser is
// sent to: Checkout (a Pay button) and the customer portal (cancel at the period's end, keep the
// plan, pay an overdue invoice). What is done there reaches the node as Stripe does it: signed
// webhook events (Stripe-Signature "t=<unix time>,v1=<hex HMAC-SHA256 of '{t}.{body}'>", the
// event in Stripe's envelope). tests/HostedMail.IntegrationTests/Billing/FakeStripe.cs is the .NET
// twin the API-level tests use. The API is plain HTTP (the node's Billing:ApiBase); the pages are
// HTTPS with a self-signed certificate, because the portal sends browsers only to https addresses.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { selfSignedCertificate } from './node';

export interface Price {
  /** Minor units (cents), per unit and interval. */
  amount: number;
  currency: string;
  interval: 'month' | 'year';
  /** The product's name as Stripe's pages show it. */
  product: string;
}

export interface FakeStripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** The prices the node's Plans name; a Checkout session for any other price is refused as Stripe would. */
  prices: Record<string, Price>;
  /** The API version the events are stamped with (the one Stripe.net speaks: the webhook endpoint's version). */
  apiVersion: string;
}

/** One event sent to the node and what it answered. */
export interface Delivery {
  id: string;
  type: string;
  status: number;
  answer: string;
}

type Json = Record<string, unknown>;

interface CheckoutSession {
  id: string;
  customer: string;
  price: string;
  quantity: number;
  clientReferenceId: string;
  tenantId: string;
  successUrl: string;
  cancelUrl: string;
  status: 'open' | 'complete';
  subscription?: string;
}

interface Subscription {
  id: string;
  customer: string;
  price: string;
  quantity: number;
  status: 'active' | 'past_due' | 'canceled';
  cancelAtPeriodEnd: boolean;
  created: number;
  periodStart: number;
  periodEnd: number;
  tenantId: string;
}

export interface FakeStripe {
  /** Billing:ApiBase. */
  apiBase: string;
  /** Where the node's webhook endpoint is; set once the node runs (it needs apiBase to start). */
  webhookUrl: string;
  /** Every API request as received (method, path, form or query). */
  requests: { method: string; path: string; form: URLSearchParams; query: URLSearchParams }[];
  /** What Stripe would refuse or the node should never do; the spec asserts it stays empty. */
  violations: string[];
  deliveries: Delivery[];
  /** The customer's newest subscription, as Stripe holds it. */
  subscriptionOf(customer: string): Subscription | undefined;
  /** The renewal's payment fails (Stripe's dunning): the subscription becomes past_due, with invoice.payment_failed and customer.subscription.updated. */
  failRenewal(subscriptionId: string): Promise<void>;
  /** Resolves when every event sent so far has been answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Stripe's Stripe-Signature header for a body, computed as Stripe documents it. */
export function stripeSignature(body: string, secret: string, at = now()): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;
}

function pagesCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostedmail-fake-stripe-'));
  selfSignedCertificate(dir, 'checkout.stripe.test', 'IP:127.0.0.1');
  return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const customers = new Map<string, Json>();
  const checkouts = new Map<string, CheckoutSession>();
  const portals = new Map<string, { customer: string; returnUrl: string }>();
  const subscriptions = new Map<string, Subscription>();
  const idempotent = new Map<string, { status: number; body: string }>();
  const pending: Promise<void>[] = [];
  let sequence = 0;
  const next = (prefix: string) => `${prefix}_e2e${++sequence}${randomBytes(4).toString('hex')}`;
  let pagesOrigin = '';

  const fake: FakeStripe = {
    apiBase: '',
    webhookUrl: '',
    requests: [],
    violations: [],
    deliveries: [],
    subscriptionOf: (customer) => [...subscriptions.values()].filter((s) => s.customer === customer).sort((a, b) => b.created - a.created)[0],
    failRenewal: async (id) => {
      const subscription = subscriptions.get(id);
      if (!subscription) throw new Error(`no subscription ${id}`);
      subscription.status = 'past_due';
      await send('invoice.payment_failed', invoiceObject(subscription, 'open'));
      await send('customer.subscription.updated', subscriptionObject(subscription), { status: 'active' });
    },
    settled: async () => {
      await Promise.all(pending);
    },
    close: async () => {},
  };

  // --- what the API answers, as Stripe's objects ---

  const subscriptionObject = (s: Subscription): Json => {
    const price = options.prices[s.price];
    return {
      id: s.id,
      object: 'subscription',
      customer: s.customer,
      status: s.status,
      cancel_at_period_end: s.cancelAtPeriodEnd,
      cancel_at: s.cancelAtPeriodEnd ? s.periodEnd : null,
      created: s.created,
      start_date: s.created,
      collection_method: 'charge_automatically',
      livemode: false,
      metadata: { tenant_id: s.tenantId },
      items: {
        object: 'list',
        has_more: false,
        url: `/v1/subscription_items?subscription=${s.id}`,
        data: [{
          id: `si_${s.id.slice(4)}`,
          object: 'subscription_item',
          subscription: s.id,
          quantity: s.quantity,
          current_period_start: s.periodStart,
          current_period_end: s.periodEnd,
          price: {
            id: s.price,
            object: 'price',
            active: true,
            currency: price.currency,
            unit_amount: price.amount,
            type: 'recurring',
            recurring: { interval: price.interval, interval_count: 1, usage_type: 'licensed' },
          },
        }],
      },
    };
  };

  const invoiceObject = (s: Subscription, status: 'paid' | 'open'): Json => {
    const price = options.prices[s.price];
    return {
      id: next('in'),
      object: 'invoice',
      customer: s.customer,
      status,
      amount_due: price.amount * s.quantity,
      amount_paid: status === 'paid' ? price.amount * s.quantity : 0,
      currency: price.currency,
      attempt_count: 1,
      billing_reason: status === 'paid' ? 'subscription_create' : 'subscription_cycle',
      period_start: s.periodStart,
      period_end: s.periodEnd,
      parent: { type: 'subscription_details', subscription_details: { subscription: s.id, metadata: { tenant_id: s.tenantId } } },
    };
  };

  const error = (status: number, type: string, message: string) => ({ status, body: JSON.stringify({ error: { type, message } }) });
  const ok = (value: Json) => ({ status: 200, body: JSON.stringify(value) });

  const need = (form: URLSearchParams, where: string, field: string, value?: string) => {
    const sent = form.get(field);
    if (sent === null || sent === '' || (value !== undefined && sent !== value)) {
      fake.violations.push(`${where}: form field ${field} is '${sent}', expected ${value ?? 'a value'}`);
      return false;
    }
    return true;
  };

  const answer = (method: string, path: string, form: URLSearchParams, query: URLSearchParams): { status: number; body: string } => {
    if (method === 'POST' && path === '/v1/customers') {
      const id = next('cus');
      const customer = { id, object: 'customer', name: form.get('name'), email: form.get('email'), metadata: { tenant_id: form.get('metadata[tenant_id]') } };
      if (!need(form, path, 'metadata[tenant_id]')) return error(400, 'invalid_request_error', 'metadata[tenant_id] is missing');
      customers.set(id, customer);
      return ok(customer);
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const fields = ['customer', 'client_reference_id', 'line_items[0][price]', 'line_items[0][quantity]', 'subscription_data[metadata][tenant_id]', 'success_url', 'cancel_url'];
      const complete = [need(form, path, 'mode', 'subscription'), ...fields.map((f) => need(form, path, f))].every(Boolean);
      if (!complete) return error(400, 'invalid_request_error', 'Missing required param');
      const customer = form.get('customer')!;
      const price = form.get('line_items[0][price]')!;
      if (!customers.has(customer)) return error(400, 'invalid_request_error', `No such customer: '${customer}'`);
      if (!options.prices[price]) return error(400, 'invalid_request_error', `No such price: '${price}'`);
      if (form.get('client_reference_id') !== form.get('subscription_data[metadata][tenant_id]')) {
        fake.violations.push(`${path}: client_reference_id ${form.get('client_reference_id')} and the subscription's tenant_id ${form.get('subscription_data[metadata][tenant_id]')} differ`);
      }
      const session: CheckoutSession = {
        id: next('cs_test'),
        customer,
        price,
        quantity: Number(form.get('line_items[0][quantity]')),
        clientReferenceId: form.get('client_reference_id')!,
        tenantId: form.get('subscription_data[metadata][tenant_id]')!,
        successUrl: form.get('success_url')!,
        cancelUrl: form.get('cancel_url')!,
        status: 'open',
      };
      checkouts.set(session.id, session);
      return ok({ id: session.id, object: 'checkout.session', mode: 'subscription', status: 'open', customer, client_reference_id: session.clientReferenceId,
        success_url: session.successUrl, cancel_url: session.cancelUrl, url: `${pagesOrigin}/c/pay/${session.id}` });
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') {
      if (![need(form, path, 'customer'), need(form, path, 'return_url')].every(Boolean)) return error(400, 'invalid_request_error', 'Missing required param');
      const customer = form.get('customer')!;
      if (!customers.has(customer)) return error(400, 'invalid_request_error', `No such customer: '${customer}'`);
      const id = next('bps');
      portals.set(id, { customer, returnUrl: form.get('return_url')! });
      return ok({ id, object: 'billing_portal.session', customer, return_url: form.get('return_url'), url: `${pagesOrigin}/p/session/${id}` });
    }
    if (method === 'POST' && path === '/v1/invoices/create_preview') {
      const subscription = subscriptions.get(form.get('subscription') ?? '');
      if (!subscription || subscription.customer !== form.get('customer')) {
        fake.violations.push(`${path}: subscription ${form.get('subscription')} of customer ${form.get('customer')} is not known`);
        return error(404, 'invalid_request_error', 'No such subscription');
      }
      const price = options.prices[subscription.price];
      return ok({ id: `upcoming_${subscription.id}`, object: 'invoice', customer: subscription.customer, status: 'draft', currency: price.currency,
        amount_due: price.amount * subscription.quantity, period_start: subscription.periodEnd, period_end: subscription.periodEnd,
        next_payment_attempt: subscription.periodEnd });
    }
    if (method === 'GET' && path === '/v1/subscriptions') {
      if (query.get('expand[0]') !== 'data.items.data.price') fake.violations.push(`${path}: list without expand[]=data.items.data.price`);
      const data = [...subscriptions.values()].filter((s) => s.customer === query.get('customer')).map(subscriptionObject);
      return ok({ object: 'list', url: '/v1/subscriptions', has_more: false, data });
    }
    if (method === 'GET' && path.startsWith('/v1/subscriptions/')) {
      if (query.get('expand[0]') !== 'items.data.price') fake.violations.push(`${path}: GET without expand[]=items.data.price`);
      const subscription = subscriptions.get(path.slice('/v1/subscriptions/'.length));
      return subscription ? ok(subscriptionObject(subscription)) : error(404, 'invalid_request_error', 'No such subscription');
    }
    if (method === 'POST' && path.startsWith('/v1/subscription_items/')) {
      const item = path.slice('/v1/subscription_items/'.length);
      const subscription = [...subscriptions.values()].find((s) => `si_${s.id.slice(4)}` === item);
      if (!subscription || !need(form, path, 'quantity')) return error(404, 'invalid_request_error', 'No such subscription item');
      subscription.quantity = Number(form.get('quantity'));
      return ok((subscriptionObject(subscription).items as { data: Json[] }).data[0]);
    }
    fake.violations.push(`unexpected ${method} ${path}`);
    return error(404, 'invalid_request_error', 'Unrecognized request URL');
  };

  const api = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const form = new URLSearchParams(method === 'POST' ? body : '');
    fake.requests.push({ method, path: url.pathname, form, query: url.searchParams });
    const write = ({ status, body }: { status: number; body: string }) =>
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(6).toString('hex')}` }).end(body);
    if (req.headers.authorization !== `Bearer ${options.secretKey}`) {
      fake.violations.push(`${url.pathname}: authorization '${req.headers.authorization}'`);
      write(error(401, 'invalid_request_error', 'Invalid API Key provided'));
      return;
    }
    const key = req.headers['idempotency-key'];
    if (method === 'POST') {
      if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        fake.violations.push(`${url.pathname}: content type ${req.headers['content-type']}, not a form`);
      }
      if (typeof key !== 'string' || key === '') fake.violations.push(`${url.pathname}: POST without an Idempotency-Key`);
      // Stripe's idempotency: the same key gets the first answer again, without a second effect.
      else if (idempotent.has(key)) {
        write(idempotent.get(key)!);
        return;
      }
    }
    const answered = answer(method, url.pathname, form, url.searchParams);
    if (method === 'POST' && typeof key === 'string' && key !== '') idempotent.set(key, answered);
    write(answered);
  });

  // --- events to the node ---

  const deliver = async (id: string, type: string, body: string) => {
    if (!fake.webhookUrl) throw new Error('the fake Stripe has no webhook URL yet');
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let text = '';
      try {
        const response = await fetch(fake.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'stripe-signature': stripeSignature(body, options.webhookSecret) },
          body,
        });
        status = response.status;
        text = await response.text();
      } catch (e) {
        text = String(e);
      }
      // Stripe retries what is not 2xx (for days); three quick tries are this fake's patience.
      if ((status >= 200 && status < 300) || attempt === 3) {
        fake.deliveries.push({ id, type, status, answer: text.trim() });
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  /** Sends one event and waits for the node's answer; events go one at a time, in order, as these tests expect. */
  let queue: Promise<void> = Promise.resolve();
  const send = (type: string, object: Json, previousAttributes?: Json): Promise<void> => {
    const id = next('evt');
    const data: Json = { object };
    if (previousAttributes) data.previous_attributes = previousAttributes;
    const body = JSON.stringify({ id, object: 'event', api_version: options.apiVersion, created: now(), livemode: false, pending_webhooks: 1,
      request: { id: null, idempotency_key: null }, type, data });
    queue = queue.then(() => deliver(id, type, body));
    pending.push(queue);
    return queue;
  };

  // --- Stripe's pages ---

  const page = (title: string, content: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem 0}
a{color:#0b57d0}.price{font-size:1.6rem;font-weight:bold}</style></head>
<body><main><p>Test mode: a stand-in for Stripe</p><h1>${escapeHtml(title)}</h1>${content}</main></body></html>`;

  const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);
  const interval = (price: Price) => (price.interval === 'year' ? 'per year' : 'per month');

  const pages = https.createServer(pagesCertificate(), async (req, res) => {
    const url = new URL(req.url ?? '/', pagesOrigin);
    const html = (status: number, text: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(text);
    const redirect = (to: string) => res.writeHead(303, { location: to }).end();
    const method = req.method ?? 'GET';
    const form = new URLSearchParams(method === 'POST' ? await readBody(req) : '');

    // Checkout: pay for the session's price; Stripe creates the subscription and sends the browser to success_url.
    const pay = url.pathname.match(/^\/c\/pay\/([\w]+)$/);
    if (pay) {
      const session = checkouts.get(pay[1]);
      if (!session) return html(404, page('Checkout', '<p>This Checkout session does not exist.</p>'));
      const price = options.prices[session.price];
      if (method === 'GET') {
        if (session.status === 'complete') return html(200, page('Checkout', '<p>This Checkout session is already paid.</p>'));
        return html(200, page('Checkout', `<p>Subscribe to ${escapeHtml(price.product)}</p>
<p class="price">${money(price.amount * session.quantity, price.currency)} ${interval(price)}</p>
<form method="post"><label>Card number <input name="card" value="4242 4242 4242 4242" autocomplete="cc-number"></label><br><button type="submit">Pay</button></form>
<p><a href="${escapeHtml(session.cancelUrl)}">Back</a></p>`));
      }
      if (session.status === 'complete') return redirect(session.successUrl);
      const created = now();
      const subscription: Subscription = {
        id: next('sub'),
        customer: session.customer,
        price: session.price,
        quantity: session.quantity,
        status: 'active',
        cancelAtPeriodEnd: false,
        created,
        periodStart: created,
        periodEnd: created + (price.interval === 'year' ? 365 : 30) * 86_400,
        tenantId: session.tenantId,
      };
      subscriptions.set(subscription.id, subscription);
      session.status = 'complete';
      session.subscription = subscription.id;
      // As at Stripe, the browser may be back before the events arrive: the portal must wait for them.
      setTimeout(() => {
        void send('customer.subscription.created', subscriptionObject(subscription));
        void send('checkout.session.completed', {
          id: session.id, object: 'checkout.session', mode: 'subscription', status: 'complete', payment_status: 'paid', customer: session.customer,
          client_reference_id: session.clientReferenceId, subscription: subscription.id, success_url: session.successUrl, cancel_url: session.cancelUrl,
        });
        void send('invoice.paid', invoiceObject(subscription, 'paid'));
      }, 500);
      return redirect(session.successUrl);
    }

    // The customer portal: the customer's subscription, cancel at the period's end or keep it, pay what is overdue.
    const portal = url.pathname.match(/^\/p\/session\/([\w]+)(\/(cancel|renew|pay))?$/);
    if (portal) {
      const session = portals.get(portal[1]);
      if (!session) return html(404, page('Customer portal', '<p>This session has expired.</p>'));
      const subscription = fake.subscriptionOf(session.customer);
      if (method === 'POST' && subscription) {
        const action = portal[3];
        if (action === 'cancel' || action === 'renew') {
          subscription.cancelAtPeriodEnd = action === 'cancel';
          await send('customer.subscription.updated', subscriptionObject(subscription), { cancel_at_period_end: action !== 'cancel' });
        } else if (action === 'pay' && subscription.status === 'past_due') {
          subscription.status = 'active';
          await send('invoice.paid', invoiceObject(subscription, 'paid'));
          await send('customer.subscription.updated', subscriptionObject(subscription), { status: 'past_due' });
        }
        return redirect(`/p/session/${portal[1]}`);
      }
      if (method !== 'GET') return html(405, page('Customer portal', '<p>Method not allowed.</p>'));
      let content = '<p>No subscription.</p>';
      if (subscription) {
        const price = options.prices[subscription.price];
        const state = subscription.status === 'past_due'
          ? `<p>Your last payment failed: ${money(price.amount * subscription.quantity, price.currency)} is overdue.</p>
<form method="post" action="/p/session/${portal[1]}/pay"><button type="submit">Update payment method and pay</button></form>`
          : subscription.cancelAtPeriodEnd
            ? `<p>Your plan will be canceled on ${day(subscription.periodEnd)}.</p>
<form method="post" action="/p/session/${portal[1]}/renew"><button type="submit">Renew plan</button></form>`
            : `<p>Your plan renews on ${day(subscription.periodEnd)}.</p>
<form method="post" action="/p/session/${portal[1]}/cancel"><button type="submit">Cancel plan</button></form>`;
        content = `<h2>Current plan</h2><p>${escapeHtml(price.product)}: ${money(price.amount * subscription.quantity, price.currency)} ${interval(price)}</p>${state}`;
      }
      return html(200, page('Customer portal', `${content}<p><a href="${escapeHtml(session.returnUrl)}">Return to HostedMail</a></p>`));
    }
    html(404, page('Not found', '<p>No such page.</p>'));
  });

  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  fake.apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  pagesOrigin = `https://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  fake.close = async () => {
    await fake.settled();
    await Promise.all([api, pages].map((server) => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    })));
  };
  return fake;
}
