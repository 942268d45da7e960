import { useState, type FormEvent } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
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
import { EraDate, ErrorAlert, Loading, Page } from '../components/common';
import { useAreas, useCategories, useEnumLabel, useMe, useNamer, useOrganizations, useTowns, worksCases } from '../hooks';
import { hasScope } from '../nav';

type CaseStatus = components['schemas']['CaseStatus'];
const STATUSES: CaseStatus[] = ['received', 'screening', 'assessment', 'in_support', 'monitoring', 'closed', 'suspended'];
const PAGE_SIZE = 20;

export default function CaseListPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const name = useNamer();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const filters = {
    q: params.get('q') ?? '',
    number: params.get('number') ?? '',
    status: params.getAll('status') as CaseStatus[],
    area: params.get('area') ?? '',
    category: params.get('category') ?? '',
    leadOrg: params.get('leadOrg') ?? '',
  };
  // The cursors of the pages seen so far: the opaque nextCursor of each page leads to the next.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const pageIndex = cursors.length - 1;
  const [draft, setDraft] = useState(filters);

  const towns = useTowns();
  const areas = useAreas();
  const categories = useCategories();
  const orgs = useOrganizations();

  const query = useQuery({
    queryKey: ['cases', filters, cursors[pageIndex]],
    queryFn: () =>
      call(
        api.GET('/cases', {
          params: {
            query: {
              q: filters.q || undefined,
              number: filters.number || undefined,
              status: filters.status.length ? filters.status : undefined,
              area: filters.area || undefined,
              category: filters.category || undefined,
              leadOrg: filters.leadOrg || undefined,
              cursor: cursors[pageIndex] ?? undefined,
              limit: PAGE_SIZE,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (draft.q.trim()) next.set('q', draft.q.trim());
    if (draft.number.trim()) next.set('number', draft.number.trim());
    draft.status.forEach((s) => next.append('status', s));
    if (draft.area) next.set('area', draft.area);
    if (draft.category) next.set('category', draft.category);
    if (draft.leadOrg) next.set('leadOrg', draft.leadOrg);
    setCursors([null]);
    setParams(next);
  };
  const clear = () => {
    setDraft({ q: '', number: '', status: [], area: '', category: '', leadOrg: '' });
    setCursors([null]);
    setParams(new URLSearchParams());
  };

  return (
    <Page
      title={t('cases.title')}
      actions={
        me.data && hasScope(me.data, 'cases:write') ? (
          <Button component={RouterLink} to="/cases/new" variant="contained">
            {t('cases.newCase')}
          </Button>
        ) : null
      }
    >
      <Paper component="form" role="search" onSubmit={apply} sx={{ p: 2, mb: 2, display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(190px, 1fr))', gap: 1.5, alignItems: 'start' }}>
        <TextField label={t('cases.q')} value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} name="q" />
        <TextField label={t('cases.number')} value={draft.number} onChange={(e) => setDraft({ ...draft, number: e.target.value })} name="number" />
        <TextField
          select
          label={t('cases.status')}
          value={draft.status}
          onChange={(e) => setDraft({ ...draft, status: (typeof e.target.value === 'string' ? e.target.value.split(',') : (e.target.value as unknown as string[])) as CaseStatus[] })}
          slotProps={{ select: { multiple: true, renderValue: (v) => (v as string[]).map((s) => label('caseStatus', s)).join('、') } }}
        >
          {STATUSES.map((s) => (
            <MenuItem key={s} value={s}>
              {label('caseStatus', s)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label={t('cases.area')} value={draft.area} onChange={(e) => setDraft({ ...draft, area: e.target.value })}>
          <MenuItem value="">{t('common.all')}</MenuItem>
          {(areas.data ?? []).map((a) => (
            <MenuItem key={a.code} value={a.code}>
              {name(areas.data, a.code)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label={t('cases.category')} value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })}>
          <MenuItem value="">{t('common.all')}</MenuItem>
          {(categories.data ?? []).map((c) => (
            <MenuItem key={c.code} value={c.code}>
              {name(categories.data, c.code)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label={t('cases.leadOrg')} value={draft.leadOrg} onChange={(e) => setDraft({ ...draft, leadOrg: e.target.value })}>
          <MenuItem value="">{t('common.all')}</MenuItem>
          {(orgs.data ?? []).filter((o) => o.active && worksCases(o)).map((o) => (
            <MenuItem key={o.code} value={o.code}>
              {o.name}
            </MenuItem>
          ))}
        </TextField>
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button type="submit" variant="contained">
            {t('common.search')}
          </Button>
          <Button onClick={clear}>{t('common.clear')}</Button>
        </Box>
      </Paper>

      <ErrorAlert error={query.error} />
      {query.isPending ? (
        <Loading />
      ) : (
        <>
          <TableContainer component={Paper}>
            <Table size="small" aria-label={t('cases.title')}>
              <TableHead>
                <TableRow>
                  <TableCell>{t('cases.number')}</TableCell>
                  <TableCell>{t('cases.name')}</TableCell>
                  <TableCell>{t('cases.status')}</TableCell>
                  <TableCell>{t('cases.town')}</TableCell>
                  <TableCell>{t('cases.category')}</TableCell>
                  <TableCell>{t('cases.leadOrg')}</TableCell>
                  <TableCell>{t('cases.intakeDate')}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {(query.data?.items ?? []).map((c) => (
                  <TableRow key={c.id} hover>
                    <TableCell>
                      <Link component={RouterLink} to={`/cases/${c.id}`}>
                        {c.number}
                      </Link>
                    </TableCell>
                    <TableCell>
                      <div>{c.mainPersonName ?? '—'}</div>
                      {c.mainPersonKana && (
                        <Typography variant="caption" color="text.secondary">
                          {c.mainPersonKana}
                        </Typography>
                      )}
                    </TableCell>
                    <TableCell>
                      <Chip size="small" label={label('caseStatus', c.status, c.statusLabel)} />
                    </TableCell>
                    <TableCell>
                      {name(towns.data, c.town)} {c.area && <Typography variant="caption" color="text.secondary">（{name(areas.data, c.area)}）</Typography>}
                    </TableCell>
                    <TableCell>{name(categories.data, c.primaryCategory)}</TableCell>
                    <TableCell>{name(orgs.data, c.leadOrg)}</TableCell>
                    <TableCell>
                      <EraDate value={c.intakeDate} />
                    </TableCell>
                  </TableRow>
                ))}
                {query.data && query.data.items.length === 0 && (
                  <TableRow>
                    <TableCell colSpan={7}>{t('cases.empty')}</TableCell>
                  </TableRow>
                )}
              </TableBody>
            </Table>
          </TableContainer>
          <Box component="nav" aria-label="pagination" sx={{ display: 'flex', gap: 2, alignItems: 'center', mt: 2 }}>
            <Button disabled={pageIndex === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t('common.previous')}
            </Button>
            <span>{t('common.page', { n: pageIndex + 1 })}</span>
            <Button disabled={!query.data?.nextCursor} onClick={() => query.data?.nextCursor && setCursors([...cursors, query.data.nextCursor])}>
              {t('common.next')}
            </Button>
          </Box>
        </>
      )}
    </Page>
  );
}
