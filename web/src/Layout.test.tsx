import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import i18n from './i18n';
import { LanguageSwitch, Page } from './Layout';
import { renderWithApp } from './test-utils';

describe('the language switch', () => {
  it('changes every string, <html lang> and the remembered choice', async () => {
    await i18n.changeLanguage('en');
    renderWithApp(
      <>
        <LanguageSwitch />
        <Page title={i18n.t('dashboard.title')}>{null}</Page>
      </>,
    );
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'de');
    expect(i18n.language).toBe('de');
    expect(document.documentElement.lang).toBe('de');
    expect(localStorage.getItem('hm.lang')).toBe('de');
    expect(screen.getByRole('combobox', { name: 'Sprache' })).toHaveValue('de');
  });
});
