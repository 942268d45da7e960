import { useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { api, call } from '../api';
import type { components } from '../api/schema';
import { EraDate, ErrorAlert, Loading, Page } from '../components/common';
import { useEnumLabel } from '../hooks';

type Status = components['schemas']['ReferralStatus'];
const STATUSES: Status[] = ['sent', 'accepted', 'in_progress', 'declined', 'completed', 'withdrawn'];

export default function ReferralsPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const [box, setBox] = useState<'inbox' | 'outbox'>('inbox');
  const [status, setStatus] = useState<Status | ''>('sent');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
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
          setCursors([null]);
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
          setCursors([null]);
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
      {list.isPending ? (
        <Loading />
      ) : (
        <Paper>
          <Table size="small" aria-label={box === 'inbox' ? t('referrals.inbox') : t('referrals.outbox')}>
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>{t('referrals.case')}</TableCell>
                <TableCell>{box === 'inbox' ? t('referrals.from') : t('referrals.to')}</TableCell>
                <TableCell>{t('referrals.summary')}</TableCell>
                <TableCell>{t('common.status')}</TableCell>
                <TableCell>{t('referrals.created')}</TableCell>
                <TableCell>{t('referrals.dueDate')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(list.data?.items ?? []).map((r) => (
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
              ))}
              {list.data?.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={7}>{t('referrals.empty')}</TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </Paper>
      )}
      <Box sx={{ display: 'flex', gap: 2, mt: 2 }}>
        <Button disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t('common.previous')}
        </Button>
        <Button disabled={!list.data?.nextCursor} onClick={() => list.data?.nextCursor && setCursors([...cursors, list.data.nextCursor])}>
          {t('common.next')}
        </Button>
      </Box>
    </Page>
  );
}
