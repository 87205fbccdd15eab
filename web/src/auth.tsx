// Who is signed in: GET /auth/session, cached by react-query; a 401 means nobody.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Navigate, useLocation } from 'react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call, setCsrfToken } from './api/client';
import type { SessionInfo } from './api/types';

export const sessionKey = ['session'] as const;

export async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const session = await call<SessionInfo>(api.GET('/api/v1/auth/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  return useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: 60_000, retry: false });
}

/** After login: remember the session without another round trip. */
export function useSignedIn() {
  const client = useQueryClient();
  return (session: SessionInfo) => {
    setCsrfToken(session.csrfToken);
    client.setQueryData(sessionKey, session);
  };
}

export function RequireSession({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <p className="loading">{t('app.loading')}</p>;
  if (!session.data) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}
