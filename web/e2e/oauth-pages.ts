// The words of the authorization server's own pages (src/HostedMail.Identity/OAuth/OAuthStrings.cs)
// in the two languages the Playwright projects browse in: the node picks German from the browser's
// Accept-Language (project "de" runs Chromium with locale de-DE).
export type OAuthPageWords = typeof english;

const english = {
  mailboxSignIn: 'Sign in to your mailbox',
  portalSignIn: 'Sign in to the portal',
  email: 'Email address',
  password: 'Password',
  totp: 'Authentication code (if two-factor authentication is on)',
  signIn: 'Sign in',
  secondFactorRequired: 'Enter the code from your authenticator app, or a recovery code.',
  consent: 'Allow access?',
  allow: 'Allow',
  approvalNeeded: 'An administrator must approve this app',
  connectedApps: 'Connected apps',
  mailClients: 'Mail clients (Thunderbird',
  apiTools: 'HostedMail API tools',
  unverified: (name: string) => `${name} (unverified app)`,
};

const german: OAuthPageWords = {
  mailboxSignIn: 'Bei Ihrem Postfach anmelden',
  portalSignIn: 'Beim Portal anmelden',
  email: 'E-Mail-Adresse',
  password: 'Passwort',
  totp: 'Bestätigungscode (wenn die Zwei-Faktor-Authentifizierung an ist)',
  signIn: 'Anmelden',
  secondFactorRequired: 'Geben Sie den Code aus Ihrer Authenticator-App oder einen Wiederherstellungscode ein.',
  consent: 'Zugriff erlauben?',
  allow: 'Erlauben',
  approvalNeeded: 'Ein Administrator muss diese App freigeben',
  connectedApps: 'Verbundene Apps',
  mailClients: 'Mail-Programme (Thunderbird',
  apiTools: 'HostedMail-API-Werkzeuge',
  unverified: (name: string) => `${name} (nicht geprüfte App)`,
};

export const oauthPageWords = (project: string): OAuthPageWords => (project === 'de' ? german : english);
