// The "OAuth & sign-in" area, loaded when first opened (its own chunk: the first load stays small).
import { Navigate, Route, Routes } from 'react-router';
import { AppsPage } from './Apps';
import { GrantsPage } from './Grants';
import { ClientsPage } from './Clients';
import { SingleSignOnPage } from './SingleSignOn';

export default function OAuthRoutes() {
  return (
    <Routes>
      <Route index element={<Navigate to="apps" replace />} />
      <Route path="apps" element={<AppsPage />} />
      <Route path="grants" element={<GrantsPage />} />
      <Route path="clients" element={<ClientsPage />} />
      <Route path="sso" element={<SingleSignOnPage />} />
    </Routes>
  );
}
