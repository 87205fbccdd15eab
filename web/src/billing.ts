// Billing as the pages share it: the GET /billing read (the Billing page, the past-due banner on
// every page and the dashboard use one cached answer), what a tenant uses beyond its plan, and
// the way to Stripe (Checkout and the customer portal are pages of Stripe's the browser is sent to).
import { useEffect } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from './api/client';
import type { Billing, PlanLimits, SubscriptionStatus, TenantUsage, User } from './api/types';

export const billingKey = ['billing'] as const;

/**
 * GET /billing. It previews the next invoice at Stripe for a paying tenant, so the banner does
 * not ask on every navigation: a minute's answer is fresh enough for it. The Billing page asks
 * again when it opens.
 */
export const useBilling = (options: { refetchOnMount?: boolean | 'always'; refetchInterval?: number | false } = {}) =>
  useQuery({ queryKey: billingKey, queryFn: () => call<Billing>(api.GET('/api/v1/billing')), staleTime: 60_000, ...options });

/** Checkout and the customer portal: owners, administrators and billing users (the API's rule). */
export const canManageBilling = (role: User['role'] | undefined) => role === 'owner' || role === 'admin' || role === 'billing';

/** The subscription's plan applies (active, trial, or past due within dunning): plan changes go through the customer portal. */
export const subscribed = (status: SubscriptionStatus) => status === 'active' || status === 'trialing' || status === 'past_due';

/** The plan's name as people see it. */
export const planName = (limits: PlanLimits | undefined, plan: string) => limits?.displayName || plan;

export type Limited = 'domains' | 'mailboxes' | 'aliases' | 'storage';

/** What is in use beyond the plan's limits (after a downgrade or a canceled subscription: nothing is deleted). */
export function overLimits(limits: PlanLimits, usage: TenantUsage): { what: Limited; used: number; max: number }[] {
  const checks: [Limited, number, number | null][] = [
    ['domains', usage.domains, limits.maxDomains],
    ['mailboxes', usage.mailboxes, limits.maxMailboxes],
    ['aliases', usage.aliases, limits.maxAliases],
    ['storage', usage.quotaBytesAllocated, limits.maxStorageBytes],
  ];
  return checks.filter(([, used, max]) => max !== null && used > max).map(([what, used, max]) => ({ what, used, max: max! }));
}

/** Where the browser goes; a seam for the component tests (jsdom cannot navigate). */
export const browser = {
  assign(url: string): void {
    window.location.assign(url);
  },
};

/** Sends the browser to a Stripe page, but only to an https address (never javascript:, data: or plain http). */
export function goToStripe(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:') return false;
  browser.assign(parsed.href);
  return true;
}

export type StripeRequest = { kind: 'portal' } | { kind: 'checkout'; plan: string; interval: 'month' | 'year' };

/**
 * Asks the API for a Checkout or customer-portal session and sends the browser there. Coming back
 * with the browser's Back button may restore this page from the back/forward cache exactly as it
 * was left, "opening Stripe" with its buttons off: the finished request is forgotten then.
 */
export function useStripeSession() {
  const { t } = useTranslation();
  const mutation = useMutation({
    mutationFn: async (request: StripeRequest) => {
      const { url } = request.kind === 'portal'
        ? await call(api.POST('/api/v1/billing/portal'))
        : await call(api.POST('/api/v1/billing/checkout', { body: { plan: request.plan, interval: request.interval } }));
      if (!goToStripe(url)) throw new Error(t('billing.badUrl'));
    },
  });
  const { reset } = mutation;
  useEffect(() => {
    const restored = (event: PageTransitionEvent) => {
      if (event.persisted) reset();
    };
    window.addEventListener('pageshow', restored);
    return () => window.removeEventListener('pageshow', restored);
  }, [reset]);
  return mutation;
}
