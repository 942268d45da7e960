import { useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { api, call } from '../api';
import type { components } from '../api/schema';
import { EraDate, ErrorAlert, Page } from '../components/common';
import { PagedTable, useCursorPages } from '../components/PagedTable';
import { useEnumLabel } from '../hooks';

type Status = components['schemas']['ReferralStatus'];
const STATUSES: Status[] = ['sent', 'accepted', 'in_progress', 'declined', 'completed', 'withdrawn'];

export default function ReferralsPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const [box, setBox] = useState<'inbox' | 'outbox'>('inbox');
  const [status, setStatus] = useState<Status | ''>('sent');
  const pages = useCursorPages();
  const { cursor } = pages;
  const list = useQuery({
    queryKey: ['referrals', box, status, cursor],
    queryFn: () => call(api.GET('/referrals', { params: { query: { box, status: status ? [status] : undefined, cursor: cursor ?? undefined, limit: 25 } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Page title={t('referrals.title')}>
      <Tabs
        value={box}
        onChange={(_, v) => {
          setBox(v);
          pages.reset();
        }}
        sx={{ mb: 2 }}
      >
        <Tab value="inbox" label={t('referrals.inbox')} />
        <Tab value="outbox" label={t('referrals.outbox')} />
      </Tabs>
      <TextField
        select
        label={t('common.status')}
        value={status}
        onChange={(e) => {
          setStatus(e.target.value as Status | '');
          pages.reset();
        }}
        sx={{ mb: 2, minWidth: 220 }}
      >
        <MenuItem value="">{t('common.all')}</MenuItem>
        {STATUSES.map((s) => (
          <MenuItem key={s} value={s}>
            {label('referralStatus', s)}
          </MenuItem>
        ))}
      </TextField>
      <ErrorAlert error={list.error} />
      <PagedTable
        query={list}
        pages={pages}
        label={box === 'inbox' ? t('referrals.inbox') : t('referrals.outbox')}
        head={['#', t('referrals.case'), box === 'inbox' ? t('referrals.from') : t('referrals.to'), t('referrals.summary'), t('common.status'), t('referrals.created'), t('referrals.dueDate')]}
        empty={t('referrals.empty')}
        row={(r) => (
        <TableRow key={r.id} hover>
          <TableCell>
            <Link component={RouterLink} to={`/referrals/${r.id}`}>
              #{r.id}
            </Link>
          </TableCell>
          <TableCell>
            {r.caseNumber} {r.mainPersonName}
          </TableCell>
          <TableCell>{box === 'inbox' ? r.fromOrgName : r.toOrgName}</TableCell>
          <TableCell sx={{ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{r.summary}</TableCell>
          <TableCell>
            <Chip size="small" label={label('referralStatus', r.status, r.statusLabel)} /> {r.urgency === 'urgent' && <Chip size="small" color="error" label={t('case.urgent')} />}
          </TableCell>
          <TableCell>
            <EraDate value={r.createdAt} />
          </TableCell>
          <TableCell>
            <EraDate value={r.dueDate} /> {r.overdue && <Chip size="small" color="warning" label={t('referrals.overdue')} />}
          </TableCell>
        </TableRow>
        )}
      />
    </Page>
  );
}
