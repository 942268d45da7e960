import { useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { api, call } from '../api';
import { EraDate, ErrorAlert, Page } from '../components/common';
import { PagedTable, useCursorPages } from '../components/PagedTable';
import { useEnumLabel } from '../hooks';

type Status = 'submitted' | 'accepted' | 'rejected';

export default function RequestsPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>('submitted');
  const pages = useCursorPages();
  const [notes, setNotes] = useState<Record<number, string>>({});
  const { cursor } = pages;
  const list = useQuery({ queryKey: ['meeting-requests', status, cursor], queryFn: () => call(api.GET('/meeting-requests', { params: { query: { status, cursor: cursor ?? undefined, limit: 25 } } })) });
  const screen = useMutation({
    mutationFn: (a: { id: number; decision: 'accepted' | 'rejected' }) => call(api.POST('/meeting-requests/{request_id}/screening', { params: { path: { request_id: a.id } }, body: { decision: a.decision, note: notes[a.id]?.trim() || null } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['meeting-requests'] }),
  });
  return (
    <Page title={t('meetings.requests')}>
      <TextField select label={t('common.status')} value={status} onChange={(e) => { setStatus(e.target.value as Status); pages.reset(); }} sx={{ mb: 2, minWidth: 220 }}>
        {(['submitted', 'accepted', 'rejected'] as const).map((s) => (
          <MenuItem key={s} value={s}>
            {label('requestStatus', s)}
          </MenuItem>
        ))}
      </TextField>
      <ErrorAlert error={list.error ?? screen.error} />
      <PagedTable
        query={list}
        pages={pages}
        label={t('meetings.requests')}
        head={[t('meetings.case'), t('meetings.kind'), t('meetings.day'), t('meetings.purpose'), t('case.requestNote'), t('meetings.requestedOn'), t('common.actions')]}
        empty={t('meetings.emptyRequests')}
        row={(r) => (
        <TableRow key={r.id}>
          <TableCell>
            <Link component={RouterLink} to={`/cases/${r.caseId}`}>
              {r.caseNumber}
            </Link>
          </TableCell>
          <TableCell>{label('meetingKind', r.kind, r.kindLabel)}</TableCell>
          <TableCell>
            {r.meetingId ? (
              <Link component={RouterLink} to={`/meetings/${r.meetingId}`}>
                <EraDate value={r.meetingDay} />
              </Link>
            ) : (
              '—'
            )}
          </TableCell>
          <TableCell>{label('agendaPurpose', r.purpose)}</TableCell>
          <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{r.note}</TableCell>
          <TableCell>
            <EraDate value={r.requestedOn} />
          </TableCell>
          <TableCell>
            {r.status === 'submitted' ? (
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
                <TextField label={t('meetings.screeningNote')} value={notes[r.id] ?? ''} onChange={(e) => setNotes({ ...notes, [r.id]: e.target.value })} />
                <Button variant="contained" onClick={() => screen.mutate({ id: r.id, decision: 'accepted' })}>
                  {t('meetings.accept')}
                </Button>
                <Button color="error" onClick={() => screen.mutate({ id: r.id, decision: 'rejected' })}>
                  {t('meetings.reject')}
                </Button>
              </Box>
            ) : (
              <Chip size="small" label={label('requestStatus', r.status)} />
            )}
          </TableCell>
        </TableRow>
        )}
      />
    </Page>
  );
}
