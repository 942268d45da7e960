import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { api, call } from '../api';
import { EraDateTime, ErrorAlert, Page } from '../components/common';
import { PagedTable, useCursorPages } from '../components/PagedTable';
import { useEnumLabel } from '../hooks';

type Outcome = 'success' | 'denied' | 'failed';
const EMPTY = { caseId: '', actor: '', action: '', outcome: '' as Outcome | '', from: '', to: '' };

export default function AuditPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const pages = useCursorPages();
  const { cursor } = pages;
  const list = useQuery({
    queryKey: ['audit', filters, cursor],
    queryFn: () =>
      call(
        api.GET('/audit-events', {
          params: {
            query: {
              caseId: filters.caseId ? Number(filters.caseId) : undefined,
              actor: filters.actor || undefined,
              action: filters.action || undefined,
              outcome: filters.outcome || undefined,
              from: filters.from || undefined,
              to: filters.to || undefined,
              cursor: cursor ?? undefined,
              limit: 50,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    pages.reset();
  };
  return (
    <Page title={t('audit.title')}>
      <Paper component="form" role="search" onSubmit={apply} sx={{ p: 2, mb: 2, display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))', gap: 1.5 }}>
        <TextField label={t('audit.caseId')} value={draft.caseId} onChange={(e) => setDraft({ ...draft, caseId: e.target.value.replace(/\D/g, '') })} />
        <TextField label={t('audit.actor')} value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
        <TextField label={t('audit.action')} value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} placeholder="case.read" />
        <TextField select label={t('audit.outcome')} value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value as Outcome | '' })}>
          <MenuItem value="">{t('common.all')}</MenuItem>
          {(['success', 'denied', 'failed'] as const).map((o) => (
            <MenuItem key={o} value={o}>
              {label('outcome', o)}
            </MenuItem>
          ))}
        </TextField>
        <TextField type="date" label={t('audit.from')} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField type="date" label={t('audit.to')} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <Button type="submit" variant="contained">
          {t('common.search')}
        </Button>
      </Paper>
      <ErrorAlert error={list.error} />
      <PagedTable
        query={list}
        pages={pages}
        scroll
        label={t('audit.title')}
        head={[t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.resource'), t('audit.caseId'), t('audit.outcome'), t('audit.purpose')]}
        empty={t('audit.empty')}
        row={(e) => (
          <TableRow key={e.id}>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>
              <EraDateTime value={e.at} />
            </TableCell>
            <TableCell>
              {e.actorSub?.slice(0, 8) ?? '—'} <small>{e.actorOrg} {e.actorRoles.join(',')}</small>
            </TableCell>
            <TableCell>{e.action}</TableCell>
            <TableCell>
              {e.resourceType} {e.resourceId}
            </TableCell>
            <TableCell>{e.caseId ?? ''}</TableCell>
            <TableCell>
              <Chip size="small" color={e.outcome === 'success' ? 'default' : 'warning'} label={label('outcome', e.outcome)} />
            </TableCell>
            <TableCell>{e.purpose ?? ''}</TableCell>
          </TableRow>
        )}
      />
    </Page>
  );
}
