import '@testing-library/jest-dom/vitest';
import { afterEach, vi } from 'vitest';
import { cleanup } from '@testing-library/react';

// openapi-fetch keeps the fetch it finds when the client is created (at import), so the mock
// is installed before any test file imports the app; tests give it answers with mockImplementation.
vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 404 })));

afterEach(() => {
  cleanup();
  vi.mocked(fetch).mockReset();
});
