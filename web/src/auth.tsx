// Who is signed in: GET /auth/session, cached by react-query; a 401 means nobody.
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { Navigate, useLocation } from 'react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call, setCsrfToken } from './api/client';
import type { SessionInfo, TenantChoice } from './api/types';

export const sessionKey = ['session'] as const;
/** Set when the API said the session ended (401 session-expired): the sign-in page says so. */
export const sessionEndedKey = ['session-ended'] as const;

/** A 401 that means the cookie's session is gone (ended, or the cookie was deleted), not a failed sign-in. */
export function endsSession(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 401 && (error.code === 'session-expired' || error.code === 'not-signed-in');
}

/**
 * Forgets the session after the API answered 401 session-expired or not-signed-in to any call:
 * RequireSession then sends the reader to sign-in, where an ended session is explained.
 */
export function forgetSession(client: QueryClient, error: ApiError): void {
  setCsrfToken(null);
  if (error.code === 'session-expired') client.setQueryData(sessionEndedKey, true);
  if (client.getQueryData(sessionKey)) client.setQueryData(sessionKey, null);
}

export async function fetchSession(client?: QueryClient): Promise<SessionInfo | null> {
  try {
    const session = await call<SessionInfo>(api.GET('/api/v1/auth/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      if (client && error.code === 'session-expired') client.setQueryData(sessionEndedKey, true);
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  const client = useQueryClient();
  return useQuery({ queryKey: sessionKey, queryFn: () => fetchSession(client), staleTime: 60_000, retry: false });
}

/** Whether the last session ended on its own (shown once on the sign-in page). */
export function useSessionEnded(): [boolean, () => void] {
  const client = useQueryClient();
  const ended = useQuery({ queryKey: sessionEndedKey, queryFn: () => false, initialData: false, staleTime: Infinity });
  return [ended.data, () => client.setQueryData(sessionEndedKey, false)];
}

/** After login: remember the session without another round trip (and forget the previous tenant's data). */
export function useSignedIn() {
  const client = useQueryClient();
  return (session: SessionInfo) => {
    setCsrfToken(session.csrfToken);
    const previous = client.getQueryData<SessionInfo | null>(sessionKey);
    client.setQueryData(sessionEndedKey, false);
    client.setQueryData(sessionKey, session);
    if (previous && previous.tenantId !== session.tenantId) {
      // Another tenant: everything read so far belongs to the previous one. Pages on screen
      // read again at once; the rest is dropped.
      void client.resetQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] && q.queryKey[0] !== sessionEndedKey[0] });
    }
  };
}

/** The tenant the session is in, as listed in the session's tenants. */
export function currentTenant(session: SessionInfo): TenantChoice | undefined {
  return session.tenants?.find((tenant) => tenant.id === session.tenantId);
}

export function RequireSession({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <p className="loading">{t('app.loading')}</p>;
  if (!session.data) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}
