import type { FullConfig } from '@playwright/test';
import { TestNode } from './node';

// Runs in Playwright's main process: the node and the DNS server live as long as the run.
// Workers read the addresses from the environment set here.
export default async function globalSetup(config: FullConfig) {
  const node = new TestNode();
  const env = await node.start(config.projects[0]?.outputDir ?? 'test-results');
  process.env.E2E_BASE_URL = env.baseUrl;
  process.env.E2E_IMAP_PORT = String(env.imapPort);
  process.env.E2E_SUBMISSION_PORT = String(env.submissionPort);
  process.env.E2E_POP3_PORT = String(env.pop3Port);
  process.env.E2E_ZONE_DIR = env.zoneDir;
  process.env.E2E_DATABASE = env.database;
  process.env.E2E_NODE_ENV = env.nodeEnv;
  return async () => {
    await node.stop();
  };
}
