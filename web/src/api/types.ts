// The JSON shapes the API answers with, by the names the app uses. Each is the node's own
// declaration (src/HostedMail.Portal/Endpoints/*.cs, `.Produces<T>()`), taken from the OpenAPI
// document by `npm run gen:api` into schema.d.ts: nothing here is written by hand, so the app
// cannot drift from the API (e2e/api-drift.spec.ts; tests/HostedMail.Portal.Tests/ApiResponseSchemaTests.cs
// checks real answers against the same document).
import type { components } from './schema';

type Schemas = components['schemas'];

/** A portal user; `status` is invited until the person accepts the invitation (or confirms the sign-up), then active. */
export type User = Schemas['UserDto'];

/** A tenant the account may sign in to (a confirmed membership). */
export type TenantChoice = Schemas['TenantChoiceDto'];

/** Where POST /auth/sso sends the browser: the authorization server's start page for the organisation's provider. */
export type SsoStart = Schemas['SsoStartDto'];

export type SessionInfo = Schemas['SessionInfoDto'];

export type Session = Schemas['SessionDto'];

export type ApiToken = Schemas['ApiTokenDto'];

/** POST /account/tokens: the secret is in this answer only. */
export type CreatedApiToken = Schemas['CreatedApiTokenDto'];

/** POST /account/2fa/setup. */
export type TotpEnrolment = Schemas['TotpEnrolment'];

export type Account = Schemas['AccountDto'];

export type DnsRecord = Schemas['DnsRecordDto'];

export type DomainHealth = Schemas['DomainHealthDto'];

export type Domain = Schemas['DomainDto'];

export type RecordStatus = Schemas['RecordCheckDto']['status'];

export type VerificationResult = Schemas['VerificationResultDto'];

export type RecordCheck = Schemas['RecordCheckDto'];

export type DomainRecords = Schemas['DomainRecordsDto'];

export type DkimKey = Schemas['DkimKeyDto'];

export type Mailbox = Schemas['MailboxDto'];

export type AppPassword = Schemas['AppPasswordDto'];

/** POST /mailboxes/{id}/app-passwords: the password is in this answer only. */
export type CreatedAppPassword = Schemas['CreatedAppPasswordDto'];

export type Alias = Schemas['AliasDto'];

export type AuditRecord = Schemas['AuditDto'];

/** A plan's limits (null: no limit); displayName null: show the plan's key. */
export type PlanLimits = Schemas['PlanLimits'];

export type TenantUsage = Schemas['TenantUsage'];

/** The tenant; `name` is the slug. */
export type Tenant = Schemas['TenantDto'];

/**
 * Every list endpoint answers {items, total} and pages with ?offset=&limit= (1 to 1000, default
 * 100). Generic for the app's convenience; each endpoint's concrete list (ListDtoOfDomainDto, ...)
 * is generated, and `call` checks that it fits this shape.
 */
export interface List<T> {
  items: T[];
  total: number;
}

/** The audit log also pages with nextBefore (the cursor of the next, older page; null on the last). */
export type Page = Schemas['AuditPageDto'];

/** One delivery attempt of one recipient (the outbound delivery log); tls is protocol and cipher, null without TLS. */
export type TrackingAttempt = Schemas['TrackingAttemptDto'];

/** folder: the folder a received copy is in (INBOX or Junk), null for outbound; notifications: the DSNs sent to the sender. */
export type TrackedRecipient = Schemas['TrackingRecipientDto'];

/** A message found by message tracking: sent (the outbound queue) or received into a mailbox. */
export type TrackedMessage = Schemas['TrackedMessageDto'];

/** Stripe's subscription statuses, plus none for a tenant that never subscribed (docs/billing.md). */
export type SubscriptionStatus = Schemas['SubscriptionDto']['status'];

/** Where a past-due tenant stands: grace (banner), sending_blocked (451 at MAIL FROM), read_only (portal writes refused but billing). */
export type DunningPhase = Schemas['StandingDto']['phase'];

export type Subscription = Schemas['SubscriptionDto'];

/** message is English; the app words the banner itself from phase and dates. */
export type BillingStanding = Schemas['StandingDto'];

export type PlanOffer = Schemas['PlanOfferDto'];

/**
 * GET /billing: exceeds is what is above the plan's limits as English sentences; nextInvoice's
 * amountDue is in the currency's minor unit; configured is false without Billing:SecretKey
 * (checkout and the customer portal answer 503).
 */
export type Billing = Schemas['BillingDto'];

export type OAuthSettings = Schemas['OAuthSettingsDto'];

/** A dynamically registered client the tenant was asked about or decided on. */
export type OAuthApp = Schemas['OAuthAppDto'];

/** One authorization of one mailbox for one client, with its tokens. */
export type OAuthGrant = Schemas['OAuthGrantDto'];

/** A confidential client for the tenant's automation; never its secret. */
export type OAuthClient = Schemas['OAuthClientDto'];

/** POST /oauth/clients: the secret is in this answer only. */
export type CreatedOAuthClient = Schemas['CreatedOAuthClientDto'];

/** GET /identity-provider: no secret; redirectUri is what to register at the provider. */
export type IdentityProvider = Schemas['IdentityProviderDto'];
