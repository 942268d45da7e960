import { useSyncExternalStore } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call, session } from './api';
import type { components } from './api/schema';

export type Me = components['schemas']['Me'];

export function useSessionState() {
  return useSyncExternalStore(
    (l) => session.subscribe(l),
    () => session.state,
  );
}

export function useMe() {
  const state = useSessionState();
  return useQuery({
    queryKey: ['me'],
    queryFn: () => call(api.GET('/me')),
    enabled: state !== 'anonymous',
    staleTime: 5 * 60_000,
  });
}

const MASTER = { staleTime: 30 * 60_000, gcTime: 60 * 60_000 } as const;

export function useTowns() {
  return useQuery({ queryKey: ['master', 'towns'], queryFn: () => call(api.GET('/towns')), ...MASTER });
}
export function useAreas() {
  return useQuery({ queryKey: ['master', 'areas'], queryFn: () => call(api.GET('/areas')), ...MASTER });
}
export function useOrganizations() {
  return useQuery({ queryKey: ['master', 'orgs'], queryFn: () => call(api.GET('/organizations')), ...MASTER });
}
/**
 * Units and agencies, the organisations that work cases: a partner business of 参加支援
 * (協力事業所, kind `partner`) has no staff in the system, takes no referrals and is never on a
 * team or responsible for a plan item; it is only named as the host of a 参加支援 item.
 */
export function worksCases(o: { kind: string }): boolean {
  return o.kind !== 'partner';
}
/** The 参加支援 function's code (Art. 106-4 §2 item 2). */
export const PARTICIPATION = 'participation';
export function useCategories() {
  return useQuery({ queryKey: ['master', 'categories'], queryFn: () => call(api.GET('/issue-categories')), ...MASTER });
}
export function useSupportFunctions() {
  return useQuery({ queryKey: ['master', 'functions'], queryFn: () => call(api.GET('/support-functions')), ...MASTER });
}
export function useCodeList(name: 'intake_route' | 'contact_means') {
  return useQuery({
    queryKey: ['master', 'code', name],
    queryFn: () => call(api.GET('/code-lists/{list_name}', { params: { path: { list_name: name } } })),
    ...MASTER,
  });
}

/** A code's display name from a master list (Japanese or English name). */
export function useNamer() {
  const { i18n } = useTranslation();
  const en = i18n.language?.startsWith('en');
  return (list: { code: string; name: string; nameEn?: string }[] | undefined, code: string | null | undefined): string => {
    if (!code) return '';
    const row = list?.find((r) => r.code === code);
    if (!row) return code;
    return en && row.nameEn ? row.nameEn : row.name;
  };
}

/** An enum value's label (enums.<group>.<value>), falling back to the server's label. */
export function useEnumLabel() {
  const { t } = useTranslation();
  return (group: string, value: string | null | undefined, fallback?: string | null): string => {
    if (!value) return '';
    const key = `enums.${group}.${value}`;
    const label = t(key);
    return label === key ? (fallback ?? value) : label;
  };
}
export function useDepartments() {
  return useQuery({ queryKey: ['master', 'departments'], queryFn: () => call(api.GET('/departments')), ...MASTER });
}
