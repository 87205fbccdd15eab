// The committed client types (src/api/schema.d.ts) are what openapi-typescript makes of the
// OpenAPI document the node serves now: a change to the API without `npm run gen:api` fails here.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
// @ts-expect-error a plain .mjs script without types
import { generate, schemaPath } from '../scripts/gen-api.mjs';
import { baseUrl } from './helpers';

test('the generated API client matches the node\'s OpenAPI document', async ({ request }) => {
  const document = await (await request.get(`${baseUrl()}/api/v1/openapi.json`)).json();
  const generated: string = await generate(document);
  expect(generated, 'run `npm run gen:api -- <node url>` in web/ and commit src/api/schema.d.ts').toBe(readFileSync(schemaPath, 'utf8'));
});
