// The JSON shapes the API answers with (src/HostedMail.Portal/Endpoints/Dtos.cs). The node's
// OpenAPI document describes paths and request bodies but not these answers (the endpoints
// return IResult without Produces<T>), so they are written here; schema.d.ts is generated.

export interface User {
  id: number;
  email: string;
  displayName: string | null;
  role: 'owner' | 'admin' | 'billing' | 'read_only';
  /** invited until the person accepts the invitation (or confirms the sign-up), then active. */
  status: 'invited' | 'active';
  emailConfirmed: boolean;
  twoFactorEnabled: boolean;
  createdAt: string;
}

/** A tenant the account may sign in to (a confirmed membership). */
export interface TenantChoice {
  id: number;
  name: string;
  displayName: string;
  role: User['role'];
}

/** Where POST /auth/sso sends the browser: the authorization server's start page for the organisation's provider. */
export interface SsoStart {
  location: string;
}

export interface SessionInfo {
  user: User;
  tenantId: number;
  tenantName: string;
  authenticatedBy: string;
  csrfToken: string | null;
  scopes?: string[] | null;
  tenants: TenantChoice[];
}

export interface Session {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  remoteAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface DnsRecord {
  type: string;
  name: string;
  value: string;
}

export interface DomainHealth {
  lastCheckedAt: string | null;
  nextCheckAt: string;
  mxStatus: RecordStatus | null;
  mxProblemSince: string | null;
  failedChecks: number;
}

export interface Domain {
  id: number;
  name: string;
  displayName: string;
  state: 'verified' | 'pending';
  verifiedAt: string | null;
  verifiedBy: string | null;
  verificationRecord: DnsRecord;
  createdAt: string;
  health: DomainHealth | null;
}

export type RecordStatus = 'ok' | 'missing' | 'wrong' | 'unknown';

export interface VerificationResult {
  domain: Domain;
  verified: boolean;
  status: RecordStatus | null;
  found: string[];
  expected: string;
  error: string | null;
}

export interface RecordCheck {
  kind: string;
  type: string;
  name: string;
  expected: string;
  status: RecordStatus;
  found: string[];
  required: boolean;
  purpose: string;
  note: string | null;
}

export interface DomainRecords {
  domainId: number;
  domain: string;
  records: RecordCheck[];
  zoneFile: string;
}

export interface Mailbox {
  id: number;
  domainId: number;
  address: string;
  displayName: string | null;
  quotaBytes: number;
  usedBytes: number;
  state: 'active' | 'disabled';
  createdAt: string;
}

export interface AppPassword {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface Alias {
  id: number;
  domainId: number;
  address: string;
  catchAll: boolean;
  targets: string[];
  createdAt: string;
}

export interface AuditRecord {
  id: number;
  occurredAt: string;
  actor: string;
  remoteAddress: string | null;
  action: string;
  target: string;
  details: Record<string, string> | null;
}

export interface PlanLimits {
  plan: string;
  /** The name people see (Plans:NAME:DisplayName); null: show the plan's key. */
  displayName?: string | null;
  maxDomains: number | null;
  maxMailboxes: number | null;
  maxAliases: number | null;
  maxStorageBytes: number | null;
  maxMessagesPerHour: number | null;
}

export interface TenantUsage {
  domains: number;
  mailboxes: number;
  aliases: number;
  quotaBytesAllocated: number;
  storedBytes: number;
}

export interface Tenant {
  id: number;
  /** The slug. */
  name: string;
  displayName: string;
  plan: string;
  state: string;
  createdAt: string;
  limits: PlanLimits;
  usage: TenantUsage;
}

/** Every list endpoint answers {items, total} and pages with ?offset=&limit= (1 to 1000, default 100). */
export interface List<T> {
  items: T[];
  total: number;
}

/** The audit log also pages with nextBefore (the cursor of the next, older page; null on the last). */
export interface Page<T> extends List<T> {
  nextBefore: number | null;
}

/** One delivery attempt of one recipient (the outbound delivery log). */
export interface TrackingAttempt {
  attemptedAt: string;
  outcome: 'delivered' | 'deferred' | 'failed' | 'expired';
  remoteHost: string | null;
  remoteIp: string | null;
  reply: string | null;
  /** Protocol and cipher, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384"; null without TLS. */
  tls: string | null;
  durationMs: number;
}

export interface TrackedRecipient {
  address: string;
  state: 'queued' | 'delivered' | 'failed' | 'expired';
  attempts: number;
  lastReply: string | null;
  nextAttemptAt: string | null;
  /** The folder a received copy is in (INBOX or Junk); null for outbound. */
  folder: string | null;
  /** Delivery status notifications sent to the sender: delayed, failed. */
  notifications: ('delayed' | 'failed')[];
  log: TrackingAttempt[];
}

/** A message found by message tracking: sent (the outbound queue) or received into a mailbox. */
export interface TrackedMessage {
  kind: 'outbound' | 'received';
  id: number;
  at: string;
  sender: string;
  messageId: string | null;
  subject: string | null;
  size: number;
  recipients: TrackedRecipient[];
}

/** Stripe's subscription statuses, plus none for a tenant that never subscribed (docs/billing.md). */
export type SubscriptionStatus = 'none' | 'active' | 'trialing' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'paused';

/** Where a past-due tenant stands: grace (banner), sending_blocked (451 at MAIL FROM), read_only (portal writes refused but billing). */
export type DunningPhase = 'none' | 'grace' | 'sending_blocked' | 'read_only';

export interface Subscription {
  status: SubscriptionStatus;
  plan: string;
  interval: 'month' | 'year' | null;
  seats: number;
  currentPeriodEnd: string | null;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: string | null;
}

export interface BillingStanding {
  phase: DunningPhase;
  banner: boolean;
  sendingBlocked: boolean;
  portalReadOnly: boolean;
  sendingBlockedAt: string | null;
  readOnlyAt: string | null;
  /** English; the app words the banner itself from phase and dates. */
  message: string | null;
}

export interface PlanOffer {
  name: string;
  displayName: string;
  monthly: boolean;
  yearly: boolean;
  perSeat: boolean;
  features: string[];
  limits: PlanLimits;
}

/** GET /billing (src/HostedMail.Portal/Endpoints/BillingEndpoints.cs). */
export interface Billing {
  plan: string;
  subscription: Subscription;
  standing: BillingStanding;
  limits: PlanLimits;
  usage: TenantUsage;
  /** What is above the plan's limits, as English sentences (the app words it from limits and usage). */
  exceeds: string[];
  /** amountDue in the currency's minor unit. */
  nextInvoice: { amountDue: number; currency: string; date: string | null } | null;
  plans: PlanOffer[];
  /** false without Billing:SecretKey: checkout and the customer portal answer 503. */
  configured: boolean;
}

/** GET /oauth/settings (src/HostedMail.Portal/Endpoints/OAuthEndpoints.cs). */
export interface OAuthSettings {
  requireClientApproval: boolean;
}

/** A dynamically registered client the tenant was asked about or decided on. */
export interface OAuthApp {
  clientId: string;
  clientName: string | null;
  redirectUris: string[];
  registeredAt: string;
  status: 'pending' | 'approved' | 'denied';
  requestedBy: string | null;
  requestedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** One authorization of one mailbox for one client, with its tokens. */
export interface OAuthGrant {
  id: string;
  mailboxId: number;
  address: string;
  clientId: string;
  clientName: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** A confidential client for the tenant's automation (OAuthClientEndpoints.cs); never its secret. */
export interface OAuthClient {
  clientId: string;
  name: string;
  role: 'admin' | 'billing' | 'read_only';
  createdAt: string;
  createdBy: string;
}

/** POST /oauth/clients: the secret is in this answer only. */
export interface CreatedOAuthClient {
  client: OAuthClient;
  clientSecret: string;
  tokenEndpoint: string;
  scope: string;
}

/** GET /identity-provider (IdentityProviderEndpoints.cs): no secret; redirectUri is what to register at the provider. */
export interface IdentityProvider {
  displayName: string;
  issuer: string;
  clientId: string;
  redirectUri: string;
  createdAt: string;
  updatedAt: string;
}
