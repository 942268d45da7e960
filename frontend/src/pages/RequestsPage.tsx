import { useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { api, call } from '../api';
import { EraDate, ErrorAlert, Loading, Page } from '../components/common';
import { useEnumLabel } from '../hooks';

type Status = 'submitted' | 'accepted' | 'rejected';

export default function RequestsPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>('submitted');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [notes, setNotes] = useState<Record<number, string>>({});
  const cursor = cursors[cursors.length - 1];
  const list = useQuery({ queryKey: ['meeting-requests', status, cursor], queryFn: () => call(api.GET('/meeting-requests', { params: { query: { status, cursor: cursor ?? undefined, limit: 25 } } })) });
  const screen = useMutation({
    mutationFn: (a: { id: number; decision: 'accepted' | 'rejected' }) => call(api.POST('/meeting-requests/{request_id}/screening', { params: { path: { request_id: a.id } }, body: { decision: a.decision, note: notes[a.id]?.trim() || null } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['meeting-requests'] }),
  });
  return (
    <Page title={t('meetings.requests')}>
      <TextField select label={t('common.status')} value={status} onChange={(e) => { setStatus(e.target.value as Status); setCursors([null]); }} sx={{ mb: 2, minWidth: 220 }}>
        {(['submitted', 'accepted', 'rejected'] as const).map((s) => (
          <MenuItem key={s} value={s}>
            {label('requestStatus', s)}
          </MenuItem>
        ))}
      </TextField>
      <ErrorAlert error={list.error ?? screen.error} />
      {list.isPending ? (
        <Loading />
      ) : (
        <Paper>
          <Table size="small" aria-label={t('meetings.requests')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('meetings.case')}</TableCell>
                <TableCell>{t('meetings.kind')}</TableCell>
                <TableCell>{t('meetings.day')}</TableCell>
                <TableCell>{t('meetings.purpose')}</TableCell>
                <TableCell>{t('case.requestNote')}</TableCell>
                <TableCell>{t('meetings.requestedOn')}</TableCell>
                <TableCell>{t('common.actions')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(list.data?.items ?? []).map((r) => (
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
              ))}
              {list.data?.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={7}>{t('meetings.emptyRequests')}</TableCell>
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
