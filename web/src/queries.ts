// The reads the pages share, keyed for react-query so changes can invalidate them.
import { useQuery } from '@tanstack/react-query';
import { api, call } from './api/client';
import type { Alias, Domain, List, Mailbox, Tenant } from './api/types';

export const keys = {
  tenant: ['tenant'] as const,
  domains: ['domains'] as const,
  domain: (id: number) => ['domains', id] as const,
  records: (id: number) => ['domains', id, 'records'] as const,
  mailboxes: ['mailboxes'] as const,
  mailbox: (id: number) => ['mailboxes', id] as const,
  appPasswords: (id: number) => ['mailboxes', id, 'app-passwords'] as const,
  aliases: ['aliases'] as const,
};

export const useTenant = () => useQuery({ queryKey: keys.tenant, queryFn: () => call<Tenant>(api.GET('/api/v1/tenant')) });

export const useDomains = () =>
  useQuery({ queryKey: keys.domains, queryFn: () => call<List<Domain>>(api.GET('/api/v1/domains')) });

export const useMailboxes = () =>
  useQuery({
    queryKey: keys.mailboxes,
    queryFn: () => call<List<Mailbox>>(api.GET('/api/v1/mailboxes', { params: { query: { limit: 1000 } } })),
  });

export const useAliases = () =>
  useQuery({ queryKey: keys.aliases, queryFn: () => call<List<Alias>>(api.GET('/api/v1/aliases')) });
