import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call } from '../api';
import type { components } from '../api/schema';
import { ErrorAlert, Page, submitWith, useFieldErrors } from '../components/common';
import { codeOptions } from '../components/options';
import { DataTable, PagedTable, useCursorPages } from '../components/PagedTable';
import { useAreas, useEnumLabel, useNamer, useOrganizations, worksCases } from '../hooks';

type Role = components['schemas']['Role'];
type Scope = components['schemas']['Scope'];
const ROLES: Role[] = ['staff', 'chief', 'manager', 'director', 'secretariat', 'coordinator', 'agency', 'admin', 'auditor'];
const SCOPES: Scope[] = ['cases:read', 'cases:write', 'consent:write', 'referrals:write', 'master:read'];
const TABS = ['users', 'clients', 'orgs', 'towns'] as const;
const formGrid = { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(190px, 1fr))', gap: 1.5, alignItems: 'start' } as const;

export default function AdminPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<(typeof TABS)[number]>('users');
  return (
    <Page title={t('admin.title')}>
      <Tabs value={tab} onChange={(_, v) => setTab(v)} sx={{ mb: 2, borderBottom: 1, borderColor: 'divider' }}>
        {TABS.map((k) => (
          <Tab key={k} value={k} label={t(`admin.${k}`)} />
        ))}
      </Tabs>
      {tab === 'users' && <Users />}
      {tab === 'clients' && <Clients />}
      {tab === 'orgs' && <Orgs />}
      {tab === 'towns' && <Towns />}
    </Page>
  );
}

/** The "active" chip of a row with the button that turns it off or on. */
function ActiveCell({ active, onToggle }: { active: boolean; onToggle: () => void }) {
  const { t } = useTranslation();
  return (
    <TableCell>
      <Chip size="small" color={active ? 'success' : 'default'} label={active ? t('admin.active') : t('admin.inactive')} />{' '}
      <Button size="small" onClick={onToggle}>
        {active ? t('admin.disable') : t('admin.enable')}
      </Button>
    </TableCell>
  );
}

/** A form that adds a record: its heading, a notice, the errors of the last try, the fields and the submit button. */
function AdminForm({ title, fields, mutation, notice, footer, children }: { title: string; fields: readonly string[]; mutation: { mutate: () => void; isPending: boolean; error: unknown }; notice?: ReactNode; footer?: ReactNode; children: ReactNode }) {
  return (
    <Paper component="form" noValidate aria-label={title} onSubmit={submitWith(() => mutation.mutate())} sx={{ p: 2 }}>
      <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {notice}
      <ErrorAlert error={mutation.error} fields={fields} />
      <Box sx={formGrid}>
        {children}
        <Button type="submit" variant="contained" disabled={mutation.isPending}>
          {title}
        </Button>
      </Box>
      {footer}
    </Paper>
  );
}

function MultiSelect<T extends string>({ label, value, options, onChange, render }: { label: string; value: T[]; options: readonly T[]; onChange: (v: T[]) => void; render: (v: T) => string }) {
  return (
    <TextField select label={label} value={value} onChange={(e) => onChange(e.target.value as unknown as T[])} slotProps={{ select: { multiple: true, renderValue: (v) => (v as T[]).map(render).join('、') } }}>
      {options.map((o) => (
        <MenuItem key={o} value={o}>
          {render(o)}
        </MenuItem>
      ))}
    </TextField>
  );
}

const USER_FIELDS = ['username', 'displayName', 'email', 'password', 'org', 'roles', 'area'];

function Users() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const name = useNamer();
  const orgs = useOrganizations();
  const areas = useAreas();
  const queryClient = useQueryClient();
  const [q, setQ] = useState('');
  const pages = useCursorPages();
  const { cursor } = pages;
  const list = useQuery({ queryKey: ['admin', 'users', q, cursor], queryFn: () => call(api.GET('/users', { params: { query: { q: q || undefined, cursor: cursor ?? undefined, limit: 25 } } })) });
  const empty = { username: '', displayName: '', email: '', password: '', org: '', roles: [] as Role[], area: '' };
  const [draft, setDraft] = useState(empty);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
  const create = useMutation({
    mutationFn: () => call(api.POST('/users', { body: { ...draft, email: draft.email || null, area: draft.area || null } })),
    onSuccess: () => {
      setDraft(empty);
      refresh();
    },
  });
  const toggle = useMutation({ mutationFn: (u: { id: string; active: boolean }) => call(api.PATCH('/users/{user_id}', { params: { path: { user_id: u.id } }, body: { active: u.active } })), onSuccess: refresh });
  const { field } = useFieldErrors(create.error, USER_FIELDS);
  return (
    <Box>
      <TextField label={t('common.search')} value={q} onChange={(e) => { setQ(e.target.value); pages.reset(); }} sx={{ mb: 2 }} />
      <ErrorAlert error={list.error ?? toggle.error} />
      <PagedTable
        query={list}
        pages={pages}
        scroll
        pagerSx={{ my: 1 }}
        label={t('admin.users')}
        head={[t('admin.username'), t('admin.displayName'), t('admin.org'), t('admin.roles'), t('admin.area'), t('common.status')]}
        row={(u) => (
          <TableRow key={u.id}>
            <TableCell>{u.username}</TableCell>
            <TableCell>{u.displayName}</TableCell>
            <TableCell>{u.orgName}</TableCell>
            <TableCell>{u.roles.map((r) => label('role', r)).join('、')}</TableCell>
            <TableCell>{name(areas.data, u.area)}</TableCell>
            <ActiveCell active={u.active} onToggle={() => toggle.mutate({ id: u.id, active: !u.active })} />
          </TableRow>
        )}
      />
      <AdminForm
        title={t('admin.newUser')}
        fields={USER_FIELDS}
        mutation={create}
        notice={create.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('admin.created')}</Alert>}
        footer={field('roles').error && <Typography color="error">{field('roles').helperText}</Typography>}
      >
        <TextField label={t('admin.username')} value={draft.username} onChange={(e) => setDraft({ ...draft, username: e.target.value })} required {...field('username')} />
        <TextField label={t('admin.displayName')} value={draft.displayName} onChange={(e) => setDraft({ ...draft, displayName: e.target.value })} required {...field('displayName')} />
        <TextField type="email" label={t('admin.email')} value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} {...field('email')} />
        <TextField type="password" label={t('admin.password')} value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} required autoComplete="new-password" {...field('password')} />
        <TextField select label={t('admin.org')} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.target.value })} required {...field('org')}>
          {codeOptions((orgs.data ?? []).filter(worksCases), (o) => o.name)}
        </TextField>
        <MultiSelect label={t('admin.roles')} value={draft.roles} options={ROLES} onChange={(roles) => setDraft({ ...draft, roles })} render={(r) => label('role', r)} />
        <TextField select label={t('admin.area')} value={draft.area} onChange={(e) => setDraft({ ...draft, area: e.target.value })} {...field('area')}>
          {codeOptions(areas.data ?? [], (a) => name(areas.data, a.code), true)}
        </TextField>
      </AdminForm>
    </Box>
  );
}

function Clients() {
  const { t } = useTranslation();
  const orgs = useOrganizations();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['admin', 'clients'], queryFn: () => call(api.GET('/api-clients')) });
  const [draft, setDraft] = useState({ name: '', org: '', scopes: [] as Scope[] });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'clients'] });
  const create = useMutation({ mutationFn: () => call(api.POST('/api-clients', { body: { name: draft.name, org: draft.org, scopes: draft.scopes.length ? draft.scopes : null } })), onSuccess: refresh });
  const toggle = useMutation({ mutationFn: (c: { id: string; active: boolean }) => call(api.PATCH('/api-clients/{client_id}', { params: { path: { client_id: c.id } }, body: { active: c.active } })), onSuccess: refresh });
  const { field } = useFieldErrors(create.error, ['name', 'org', 'scopes']);
  return (
    <Box>
      <ErrorAlert error={list.error ?? toggle.error} />
      <DataTable scroll sx={{ mb: 2 }} label={t('admin.clients')} head={['ID', t('admin.clientName'), t('admin.org'), t('admin.scopes'), t('common.status')]}>
        {(list.data ?? []).map((c) => (
          <TableRow key={c.clientId}>
            <TableCell>{c.clientId}</TableCell>
            <TableCell>{c.name}</TableCell>
            <TableCell>{orgs.data?.find((o) => o.code === c.org)?.name ?? c.org}</TableCell>
            <TableCell>{c.scopes.join(' ')}</TableCell>
            <ActiveCell active={c.active} onToggle={() => toggle.mutate({ id: c.clientId, active: !c.active })} />
          </TableRow>
        ))}
      </DataTable>
      <AdminForm
        title={t('admin.newClient')}
        fields={['name', 'org', 'scopes']}
        mutation={create}
        notice={
          create.data && (
            <Alert severity="warning" sx={{ mb: 1 }}>
              {t('admin.secretOnce')}: <code data-testid="client-secret">{create.data.clientSecret}</code> （client_id: {create.data.clientId}）
            </Alert>
          )
        }
      >
        <TextField label={t('admin.clientName')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required {...field('name')} />
        <TextField select label={t('admin.org')} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.target.value })} required {...field('org')}>
          {codeOptions((orgs.data ?? []).filter((o) => o.kind === 'agency'), (o) => o.name)}
        </TextField>
        <MultiSelect label={t('admin.scopes')} value={draft.scopes} options={SCOPES} onChange={(scopes) => setDraft({ ...draft, scopes })} render={(s) => s} />
      </AdminForm>
    </Box>
  );
}

const ORG_FIELDS = ['code', 'kind', 'name', 'kana', 'department', 'field'];
type OrgKind = components['schemas']['OrganizationOut']['kind'];
const ORG_KINDS: OrgKind[] = ['unit', 'agency', 'partner'];

function Orgs() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<'' | OrgKind>('');
  const list = useQuery({ queryKey: ['admin', 'orgs', kind], queryFn: () => call(api.GET('/organizations', { params: { query: { kind: kind || undefined } } })) });
  const departments = useQuery({ queryKey: ['master', 'departments'], queryFn: () => call(api.GET('/departments')) });
  const fields = useQuery({ queryKey: ['master', 'fields'], queryFn: () => call(api.GET('/agency-fields')) });
  const empty = { code: '', kind: 'agency' as OrgKind, name: '', kana: '', department: '', field: '' };
  const [draft, setDraft] = useState(empty);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['admin', 'orgs'] });
    void queryClient.invalidateQueries({ queryKey: ['master', 'orgs'] });
  };
  const create = useMutation({
    mutationFn: () =>
      call(
        api.POST('/organizations', {
          body: { ...draft, department: draft.kind === 'partner' ? null : draft.department || null, field: draft.kind === 'agency' ? draft.field || null : null },
        }),
      ),
    onSuccess: () => {
      setDraft(empty);
      refresh();
    },
  });
  const toggle = useMutation({ mutationFn: (o: { code: string; active: boolean }) => call(api.PATCH('/organizations/{code}', { params: { path: { code: o.code } }, body: { active: o.active } })), onSuccess: refresh });
  const { field } = useFieldErrors(create.error, ORG_FIELDS);
  return (
    <Box>
      <TextField select label={t('admin.kind')} value={kind} onChange={(e) => setKind(e.target.value as '' | OrgKind)} sx={{ mb: 2, minWidth: 200 }}>
        <MenuItem value="">{t('common.all')}</MenuItem>
        {ORG_KINDS.map((k) => (
          <MenuItem key={k} value={k}>
            {t(`admin.${k}`)}
          </MenuItem>
        ))}
      </TextField>
      <ErrorAlert error={list.error ?? toggle.error} />
      <DataTable scroll sx={{ mb: 2, maxHeight: 420 }} stickyHeader label={t('admin.orgs')} head={[t('admin.code'), t('admin.name'), t('admin.kind'), t('admin.department'), t('admin.field'), t('common.status')]}>
        {(list.data ?? []).map((o) => (
          <TableRow key={o.code}>
            <TableCell>{o.code}</TableCell>
            <TableCell>
              {o.name} <Typography variant="caption" color="text.secondary">{o.kana}</Typography>
            </TableCell>
            <TableCell>{t(`admin.${o.kind}`)}</TableCell>
            <TableCell>{o.departmentName}</TableCell>
            <TableCell>{fields.data?.find((f) => f.code === o.field)?.name ?? o.field ?? ''}</TableCell>
            <ActiveCell active={o.active} onToggle={() => toggle.mutate({ code: o.code, active: !o.active })} />
          </TableRow>
        ))}
      </DataTable>
      <AdminForm title={t('admin.newOrg')} fields={ORG_FIELDS} mutation={create} notice={create.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('admin.created')}</Alert>}>
        <TextField label={t('admin.code')} value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.target.value })} required {...field('code')} />
        <TextField
          select
          label={t('admin.kind')}
          value={draft.kind}
          onChange={(e) => setDraft({ ...draft, kind: e.target.value as OrgKind })}
          {...field('kind', draft.kind === 'partner' ? t('admin.partnerHelp') : undefined)}
        >
          {ORG_KINDS.map((k) => (
            <MenuItem key={k} value={k}>
              {t(`admin.${k}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField label={t('admin.name')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required {...field('name')} />
        <TextField label={t('admin.kana')} value={draft.kana} onChange={(e) => setDraft({ ...draft, kana: e.target.value })} required {...field('kana')} />
        {draft.kind !== 'partner' && (
          <TextField select label={t('admin.department')} value={draft.department} onChange={(e) => setDraft({ ...draft, department: e.target.value })} {...field('department')}>
            {codeOptions((departments.data ?? []).filter((d) => d.code !== 'partner'), (d) => d.name, true)}
          </TextField>
        )}
        {draft.kind === 'agency' && (
          <TextField select label={t('admin.field')} value={draft.field} onChange={(e) => setDraft({ ...draft, field: e.target.value })} {...field('field')}>
            {codeOptions(fields.data ?? [], (f) => f.name, true)}
          </TextField>
        )}
      </AdminForm>
    </Box>
  );
}

const TOWN_FIELDS = ['code', 'name', 'kana', 'area'];

function Towns() {
  const { t } = useTranslation();
  const name = useNamer();
  const areas = useAreas();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['admin', 'towns'], queryFn: () => call(api.GET('/towns')) });
  const empty = { code: '', name: '', kana: '', area: '' };
  const [draft, setDraft] = useState(empty);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['admin', 'towns'] });
    void queryClient.invalidateQueries({ queryKey: ['master', 'towns'] });
  };
  const create = useMutation({
    mutationFn: () => call(api.POST('/towns', { body: draft })),
    onSuccess: () => {
      setDraft(empty);
      refresh();
    },
  });
  const toggle = useMutation({ mutationFn: (tw: { code: string; active: boolean }) => call(api.PATCH('/towns/{code}', { params: { path: { code: tw.code } }, body: { active: tw.active } })), onSuccess: refresh });
  const { field } = useFieldErrors(create.error, TOWN_FIELDS);
  return (
    <Box>
      <ErrorAlert error={list.error ?? toggle.error} />
      <DataTable scroll sx={{ mb: 2, maxHeight: 420 }} stickyHeader label={t('admin.towns')} head={[t('admin.code'), t('admin.name'), t('admin.kana'), t('admin.area'), t('common.status')]}>
        {(list.data ?? []).map((tw) => (
          <TableRow key={tw.code}>
            <TableCell>{tw.code}</TableCell>
            <TableCell>{tw.name}</TableCell>
            <TableCell>{tw.kana}</TableCell>
            <TableCell>{name(areas.data, tw.area)}</TableCell>
            <ActiveCell active={tw.active} onToggle={() => toggle.mutate({ code: tw.code, active: !tw.active })} />
          </TableRow>
        ))}
      </DataTable>
      <AdminForm title={t('admin.newTown')} fields={TOWN_FIELDS} mutation={create}>
        <TextField label={t('admin.code')} value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.target.value })} required {...field('code')} />
        <TextField label={t('admin.name')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required {...field('name')} />
        <TextField label={t('admin.kana')} value={draft.kana} onChange={(e) => setDraft({ ...draft, kana: e.target.value })} required {...field('kana')} />
        <TextField select label={t('admin.area')} value={draft.area} onChange={(e) => setDraft({ ...draft, area: e.target.value })} required {...field('area')}>
          {codeOptions(areas.data ?? [], (a) => name(areas.data, a.code))}
        </TextField>
      </AdminForm>
    </Box>
  );
}
