import { useState, type FormEvent } from 'react';
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
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call } from '../api';
import type { components } from '../api/schema';
import { ErrorAlert, Loading, Page, useFieldErrors } from '../components/common';
import { useAreas, useEnumLabel, useNamer, useOrganizations } from '../hooks';

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
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
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
      <TextField label={t('common.search')} value={q} onChange={(e) => { setQ(e.target.value); setCursors([null]); }} sx={{ mb: 2 }} />
      <ErrorAlert error={list.error ?? toggle.error} />
      {list.isPending ? (
        <Loading />
      ) : (
        <TableContainer component={Paper}>
          <Table size="small" aria-label={t('admin.users')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.username')}</TableCell>
                <TableCell>{t('admin.displayName')}</TableCell>
                <TableCell>{t('admin.org')}</TableCell>
                <TableCell>{t('admin.roles')}</TableCell>
                <TableCell>{t('admin.area')}</TableCell>
                <TableCell>{t('common.status')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(list.data?.items ?? []).map((u) => (
                <TableRow key={u.id}>
                  <TableCell>{u.username}</TableCell>
                  <TableCell>{u.displayName}</TableCell>
                  <TableCell>{u.orgName}</TableCell>
                  <TableCell>{u.roles.map((r) => label('role', r)).join('、')}</TableCell>
                  <TableCell>{name(areas.data, u.area)}</TableCell>
                  <TableCell>
                    <Chip size="small" color={u.active ? 'success' : 'default'} label={u.active ? t('admin.active') : t('admin.inactive')} />{' '}
                    <Button size="small" onClick={() => toggle.mutate({ id: u.id, active: !u.active })}>
                      {u.active ? t('admin.disable') : t('admin.enable')}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <Box sx={{ display: 'flex', gap: 2, my: 1 }}>
        <Button disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t('common.previous')}
        </Button>
        <Button disabled={!list.data?.nextCursor} onClick={() => list.data?.nextCursor && setCursors([...cursors, list.data.nextCursor])}>
          {t('common.next')}
        </Button>
      </Box>
      <Paper component="form" noValidate aria-label={t('admin.newUser')} onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }} sx={{ p: 2 }}>
        <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
          {t('admin.newUser')}
        </Typography>
        {create.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('admin.created')}</Alert>}
        <ErrorAlert error={create.error} fields={USER_FIELDS} />
        <Box sx={formGrid}>
          <TextField label={t('admin.username')} value={draft.username} onChange={(e) => setDraft({ ...draft, username: e.target.value })} required {...field('username')} />
          <TextField label={t('admin.displayName')} value={draft.displayName} onChange={(e) => setDraft({ ...draft, displayName: e.target.value })} required {...field('displayName')} />
          <TextField type="email" label={t('admin.email')} value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} {...field('email')} />
          <TextField type="password" label={t('admin.password')} value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} required autoComplete="new-password" {...field('password')} />
          <TextField select label={t('admin.org')} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.target.value })} required {...field('org')}>
            {(orgs.data ?? []).map((o) => (
              <MenuItem key={o.code} value={o.code}>
                {o.name}
              </MenuItem>
            ))}
          </TextField>
          <MultiSelect label={t('admin.roles')} value={draft.roles} options={ROLES} onChange={(roles) => setDraft({ ...draft, roles })} render={(r) => label('role', r)} />
          <TextField select label={t('admin.area')} value={draft.area} onChange={(e) => setDraft({ ...draft, area: e.target.value })} {...field('area')}>
            <MenuItem value="">—</MenuItem>
            {(areas.data ?? []).map((a) => (
              <MenuItem key={a.code} value={a.code}>
                {name(areas.data, a.code)}
              </MenuItem>
            ))}
          </TextField>
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {t('admin.newUser')}
          </Button>
        </Box>
        {field('roles').error && <Typography color="error">{field('roles').helperText}</Typography>}
      </Paper>
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
      <TableContainer component={Paper} sx={{ mb: 2 }}>
        <Table size="small" aria-label={t('admin.clients')}>
          <TableHead>
            <TableRow>
              <TableCell>ID</TableCell>
              <TableCell>{t('admin.clientName')}</TableCell>
              <TableCell>{t('admin.org')}</TableCell>
              <TableCell>{t('admin.scopes')}</TableCell>
              <TableCell>{t('common.status')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(list.data ?? []).map((c) => (
              <TableRow key={c.clientId}>
                <TableCell>{c.clientId}</TableCell>
                <TableCell>{c.name}</TableCell>
                <TableCell>{orgs.data?.find((o) => o.code === c.org)?.name ?? c.org}</TableCell>
                <TableCell>{c.scopes.join(' ')}</TableCell>
                <TableCell>
                  <Chip size="small" color={c.active ? 'success' : 'default'} label={c.active ? t('admin.active') : t('admin.inactive')} />{' '}
                  <Button size="small" onClick={() => toggle.mutate({ id: c.clientId, active: !c.active })}>
                    {c.active ? t('admin.disable') : t('admin.enable')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <Paper component="form" noValidate aria-label={t('admin.newClient')} onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }} sx={{ p: 2 }}>
        <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
          {t('admin.newClient')}
        </Typography>
        {create.data && (
          <Alert severity="warning" sx={{ mb: 1 }}>
            {t('admin.secretOnce')}: <code data-testid="client-secret">{create.data.clientSecret}</code> （client_id: {create.data.clientId}）
          </Alert>
        )}
        <ErrorAlert error={create.error} fields={['name', 'org', 'scopes']} />
        <Box sx={formGrid}>
          <TextField label={t('admin.clientName')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required {...field('name')} />
          <TextField select label={t('admin.org')} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.target.value })} required {...field('org')}>
            {(orgs.data ?? []).filter((o) => o.kind === 'agency').map((o) => (
              <MenuItem key={o.code} value={o.code}>
                {o.name}
              </MenuItem>
            ))}
          </TextField>
          <MultiSelect label={t('admin.scopes')} value={draft.scopes} options={SCOPES} onChange={(scopes) => setDraft({ ...draft, scopes })} render={(s) => s} />
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {t('admin.newClient')}
          </Button>
        </Box>
      </Paper>
    </Box>
  );
}

const ORG_FIELDS = ['code', 'kind', 'name', 'kana', 'department', 'field'];

function Orgs() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<'' | 'unit' | 'agency'>('');
  const list = useQuery({ queryKey: ['admin', 'orgs', kind], queryFn: () => call(api.GET('/organizations', { params: { query: { kind: kind || undefined } } })) });
  const departments = useQuery({ queryKey: ['master', 'departments'], queryFn: () => call(api.GET('/departments')) });
  const fields = useQuery({ queryKey: ['master', 'fields'], queryFn: () => call(api.GET('/agency-fields')) });
  const empty = { code: '', kind: 'agency' as 'unit' | 'agency', name: '', kana: '', department: '', field: '' };
  const [draft, setDraft] = useState(empty);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['admin', 'orgs'] });
    void queryClient.invalidateQueries({ queryKey: ['master', 'orgs'] });
  };
  const create = useMutation({
    mutationFn: () => call(api.POST('/organizations', { body: { ...draft, department: draft.department || null, field: draft.kind === 'agency' ? draft.field || null : null } })),
    onSuccess: () => {
      setDraft(empty);
      refresh();
    },
  });
  const toggle = useMutation({ mutationFn: (o: { code: string; active: boolean }) => call(api.PATCH('/organizations/{code}', { params: { path: { code: o.code } }, body: { active: o.active } })), onSuccess: refresh });
  const { field } = useFieldErrors(create.error, ORG_FIELDS);
  return (
    <Box>
      <TextField select label={t('admin.kind')} value={kind} onChange={(e) => setKind(e.target.value as '' | 'unit' | 'agency')} sx={{ mb: 2, minWidth: 200 }}>
        <MenuItem value="">{t('common.all')}</MenuItem>
        <MenuItem value="unit">{t('admin.unit')}</MenuItem>
        <MenuItem value="agency">{t('admin.agency')}</MenuItem>
      </TextField>
      <ErrorAlert error={list.error ?? toggle.error} />
      <TableContainer component={Paper} sx={{ mb: 2, maxHeight: 420 }}>
        <Table size="small" stickyHeader aria-label={t('admin.orgs')}>
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.code')}</TableCell>
              <TableCell>{t('admin.name')}</TableCell>
              <TableCell>{t('admin.kind')}</TableCell>
              <TableCell>{t('admin.department')}</TableCell>
              <TableCell>{t('admin.field')}</TableCell>
              <TableCell>{t('common.status')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(list.data ?? []).map((o) => (
              <TableRow key={o.code}>
                <TableCell>{o.code}</TableCell>
                <TableCell>
                  {o.name} <Typography variant="caption" color="text.secondary">{o.kana}</Typography>
                </TableCell>
                <TableCell>{o.kind === 'unit' ? t('admin.unit') : t('admin.agency')}</TableCell>
                <TableCell>{o.departmentName}</TableCell>
                <TableCell>{fields.data?.find((f) => f.code === o.field)?.name ?? o.field ?? ''}</TableCell>
                <TableCell>
                  <Chip size="small" color={o.active ? 'success' : 'default'} label={o.active ? t('admin.active') : t('admin.inactive')} />{' '}
                  <Button size="small" onClick={() => toggle.mutate({ code: o.code, active: !o.active })}>
                    {o.active ? t('admin.disable') : t('admin.enable')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <Paper component="form" noValidate aria-label={t('admin.newOrg')} onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }} sx={{ p: 2 }}>
        <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
          {t('admin.newOrg')}
        </Typography>
        {create.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('admin.created')}</Alert>}
        <ErrorAlert error={create.error} fields={ORG_FIELDS} />
        <Box sx={formGrid}>
          <TextField label={t('admin.code')} value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.target.value })} required {...field('code')} />
          <TextField select label={t('admin.kind')} value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as 'unit' | 'agency' })} {...field('kind')}>
            <MenuItem value="unit">{t('admin.unit')}</MenuItem>
            <MenuItem value="agency">{t('admin.agency')}</MenuItem>
          </TextField>
          <TextField label={t('admin.name')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required {...field('name')} />
          <TextField label={t('admin.kana')} value={draft.kana} onChange={(e) => setDraft({ ...draft, kana: e.target.value })} required {...field('kana')} />
          <TextField select label={t('admin.department')} value={draft.department} onChange={(e) => setDraft({ ...draft, department: e.target.value })} {...field('department')}>
            <MenuItem value="">—</MenuItem>
            {(departments.data ?? []).map((d) => (
              <MenuItem key={d.code} value={d.code}>
                {d.name}
              </MenuItem>
            ))}
          </TextField>
          {draft.kind === 'agency' && (
            <TextField select label={t('admin.field')} value={draft.field} onChange={(e) => setDraft({ ...draft, field: e.target.value })} {...field('field')}>
              <MenuItem value="">—</MenuItem>
              {(fields.data ?? []).map((f) => (
                <MenuItem key={f.code} value={f.code}>
                  {f.name}
                </MenuItem>
              ))}
            </TextField>
          )}
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {t('admin.newOrg')}
          </Button>
        </Box>
      </Paper>
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
      <TableContainer component={Paper} sx={{ mb: 2, maxHeight: 420 }}>
        <Table size="small" stickyHeader aria-label={t('admin.towns')}>
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.code')}</TableCell>
              <TableCell>{t('admin.name')}</TableCell>
              <TableCell>{t('admin.kana')}</TableCell>
              <TableCell>{t('admin.area')}</TableCell>
              <TableCell>{t('common.status')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(list.data ?? []).map((tw) => (
              <TableRow key={tw.code}>
                <TableCell>{tw.code}</TableCell>
                <TableCell>{tw.name}</TableCell>
                <TableCell>{tw.kana}</TableCell>
                <TableCell>{name(areas.data, tw.area)}</TableCell>
                <TableCell>
                  <Chip size="small" color={tw.active ? 'success' : 'default'} label={tw.active ? t('admin.active') : t('admin.inactive')} />{' '}
                  <Button size="small" onClick={() => toggle.mutate({ code: tw.code, active: !tw.active })}>
                    {tw.active ? t('admin.disable') : t('admin.enable')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <Paper component="form" noValidate aria-label={t('admin.newTown')} onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }} sx={{ p: 2 }}>
        <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
          {t('admin.newTown')}
        </Typography>
        <ErrorAlert error={create.error} fields={TOWN_FIELDS} />
        <Box sx={formGrid}>
          <TextField label={t('admin.code')} value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.target.value })} required {...field('code')} />
          <TextField label={t('admin.name')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required {...field('name')} />
          <TextField label={t('admin.kana')} value={draft.kana} onChange={(e) => setDraft({ ...draft, kana: e.target.value })} required {...field('kana')} />
          <TextField select label={t('admin.area')} value={draft.area} onChange={(e) => setDraft({ ...draft, area: e.target.value })} required {...field('area')}>
            {(areas.data ?? []).map((a) => (
              <MenuItem key={a.code} value={a.code}>
                {name(areas.data, a.code)}
              </MenuItem>
            ))}
          </TextField>
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {t('admin.newTown')}
          </Button>
        </Box>
      </Paper>
    </Box>
  );
}
