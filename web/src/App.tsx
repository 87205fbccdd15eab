import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Layout, Page, PublicLayout } from './Layout';
import { endsSession, forgetSession, RequireSession } from './auth';
import { ApiError } from './api/client';
import { SignUpPage } from './pages/SignUp';
import { ConfirmEmailPage } from './pages/ConfirmEmail';
import { LoginPage } from './pages/Login';
import { RequestResetPage, ResetPasswordPage } from './pages/ResetPassword';
import { DashboardPage } from './pages/Dashboard';
import { DomainsPage } from './pages/Domains';
import { RecordsPage } from './pages/Records';
import { MailboxesPage } from './pages/Mailboxes';
import { SetupPage } from './pages/Setup';
import { AliasesPage } from './pages/Aliases';
import { SecurityPage } from './pages/Security';
import { UsersPage } from './pages/Users';
import { TokensPage } from './pages/Tokens';
import { AuditPage } from './pages/Audit';
import { TrackingPage } from './pages/Tracking';
import { BillingPage } from './pages/Billing';

// Loaded when first opened: admins visit it rarely, and the first load has a budget (scripts/size.mjs).
const OAuthRoutes = lazy(() => import('./pages/oauth'));

function Loading() {
  const { t } = useTranslation();
  return <p className="loading" role="status">{t('app.loading')}</p>;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Page title={t('app.notFound')}>
      <p><Link to="/">{t('app.back')}</Link></p>
    </Page>
  );
}

/** Every query and change that meets an ended session (401) sends the reader back to sign-in. */
export function makeQueryClient() {
  const onError = (error: unknown) => {
    if (endsSession(error)) forgetSession(client, error);
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      // An answer from the API (4xx) will not change on a retry; a network failure might.
      queries: { retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status < 500), refetchOnWindowFocus: false },
    },
  });
  return client;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<PublicLayout />}>
        <Route path="/signup" element={<SignUpPage />} />
        <Route path="/confirm-email" element={<ConfirmEmailPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/forgot-password" element={<RequestResetPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
      </Route>
      <Route element={<RequireSession><Layout /></RequireSession>}>
        <Route path="/" element={<DashboardPage />} />
        <Route path="/domains" element={<DomainsPage />} />
        <Route path="/domains/:id" element={<RecordsPage />} />
        <Route path="/mailboxes" element={<MailboxesPage />} />
        <Route path="/mailboxes/:id/setup" element={<SetupPage />} />
        <Route path="/aliases" element={<AliasesPage />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/tokens" element={<TokensPage />} />
        <Route path="/audit" element={<AuditPage />} />
        <Route path="/tracking" element={<TrackingPage />} />
        <Route path="/security" element={<SecurityPage />} />
        <Route path="/billing" element={<BillingPage />} />
        <Route path="/oauth/*" element={<Suspense fallback={<Loading />}><OAuthRoutes /></Suspense>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
