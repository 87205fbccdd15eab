import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import '../i18n';
import i18n from '../i18n';
import { Field } from './Field';
import { PasswordRules, passwordChecks } from './PasswordRules';
import { QrCode } from './QrCode';

describe('Field', () => {
  it('ties its hint and error to the input for screen readers', () => {
    render(<Field label="Password" hint="at least 10" error="password is too short" />);
    const input = screen.getByLabelText('Password');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('at least 10 password is too short');
    expect(screen.getByRole('alert')).toHaveTextContent('password is too short');
  });

  it('is not marked invalid without an error', () => {
    render(<Field label="Name" />);
    expect(screen.getByLabelText('Name')).not.toHaveAttribute('aria-invalid');
  });
});

function RulesForm({ address }: { address: string }) {
  const [password, setPassword] = useState('');
  return <Field label="Password" value={password} onChange={(e) => setPassword(e.target.value)} hint={<PasswordRules password={password} address={address} />} />;
}

describe('PasswordRules', () => {
  it('follows the typing: length, variety and the mailbox name', async () => {
    await i18n.changeLanguage('en');
    render(<RulesForm address="alice@example.com" />);
    const items = () => screen.getAllByRole('listitem').map((li) => `${li.className}:${li.textContent}`);
    expect(items()).toContain('rule unmet:✗ At least 10 characters (not met yet)');
    await userEvent.type(screen.getByLabelText('Password'), 'alice-in-wonderland');
    expect(items()).toContain('rule met:✓ At least 10 characters (met)');
    expect(items()).toContain('rule unmet:✗ Does not contain the mailbox name (not met yet)');
    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.type(screen.getByLabelText('Password'), 'velvet thunder 42');
    expect(items().filter((i) => i.startsWith('rule unmet'))).toEqual([]);
  });

  it('matches the server policy on the edges', () => {
    expect(passwordChecks('aaaaaaaaab', 'x@y').variety).toBe(false);
    expect(passwordChecks('abcdabcdab', 'x@y').variety).toBe(true);
    expect(passwordChecks('123456789', 'x@y').length).toBe(false);
    expect(passwordChecks('my-bob-password', 'bo@y').notName).toBe(true); // names under 3 characters are not checked
    expect(passwordChecks('MY-ALICE-PW!', 'alice@y').notName).toBe(false);
  });
});

describe('QrCode', () => {
  it('draws the code as SVG elements with an accessible name, no data: URL', () => {
    render(<QrCode text="abcd-efgh-ijkl-mnop-qrst" label="QR code" />);
    const svg = screen.getByRole('img', { name: 'QR code' });
    expect(svg.tagName.toLowerCase()).toBe('svg');
    expect(svg.querySelector('path')!.getAttribute('d')!.length).toBeGreaterThan(100);
    expect(svg.outerHTML).not.toContain('data:');
  });
});
