import { useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, callTagged, type Tagged } from '../api';
import type { components } from '../api/schema';
import { ConflictDialog, EraDate, EraDateTime, ErrorAlert, Page, QueryView, useFieldErrors } from '../components/common';
import { useEnumLabel, useNamer, useOrganizations } from '../hooks';

type ReferralOut = components['schemas']['ReferralOut'];
type Action = components['schemas']['ReferralAction'];
type ReferralEvent = components['schemas']['ReferralEventOut'];

const PATHS = {
  accept: '/referrals/{referral_id}/accept',
  decline: '/referrals/{referral_id}/decline',
  start: '/referrals/{referral_id}/start',
  complete: '/referrals/{referral_id}/complete',
  withdraw: '/referrals/{referral_id}/withdraw',
} as const;

export default function ReferralPage() {
  const { referralId } = useParams();
  const id = Number(referralId);
  const query = useQuery({ queryKey: ['referral', id], queryFn: () => callTagged(api.GET('/referrals/{referral_id}', { params: { path: { referral_id: id } } })) });
  return <QueryView query={query}>{(tagged) => <ReferralView tagged={tagged} reload={() => query.refetch()} />}</QueryView>;
}

function ReferralView({ tagged, reload }: { tagged: Tagged<ReferralOut>; reload: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const queryClient = useQueryClient();
  const r = tagged.data;
  const [note, setNote] = useState('');
  const [done, setDone] = useState<Action | null>(null);
  const act = useMutation({
    mutationFn: (action: Action) => {
      const current = (queryClient.getQueryData(['referral', r.id]) as Tagged<ReferralOut> | undefined) ?? tagged;
      return callTagged(api.POST(PATHS[action], { params: { path: { referral_id: r.id }, header: { 'if-match': current.etag } }, body: { note: note.trim() || null } }));
    },
    onSuccess: (next, action) => {
      queryClient.setQueryData(['referral', r.id], next);
      void queryClient.invalidateQueries({ queryKey: ['referrals'] });
      setNote('');
      setDone(action);
    },
  });
  const { field } = useFieldErrors(act.error, ['note']);
  const actions = r.access.allowedActions;
  const noteLabel = actions.includes('complete') ? t('referrals.reportBody') : actions.includes('decline') ? `${t('referrals.note')} / ${t('referrals.declineReason')}` : t('referrals.note');
  return (
    <Page title={t('referrals.detail', { id: r.id })} actions={<Chip color="primary" label={label('referralStatus', r.status, r.statusLabel)} data-testid="referral-status" />}>
      {done && <Alert severity="success" sx={{ mb: 2 }}>{t('referrals.done', { action: label('referralAction', done) })}</Alert>}
      <Paper sx={{ p: 2, mb: 2 }}>
        <Box sx={{ display: 'grid', gridTemplateColumns: '160px 1fr', rowGap: 1, columnGap: 2 }}>
          <Typography color="text.secondary">{t('referrals.case')}</Typography>
          <Typography>
            {r.caseNumber} {r.mainPersonName}{' '}
            {r.access.caseReadable && (
              <Button component={RouterLink} to={`/cases/${r.caseId}`} size="small">
                {t('referrals.openCase')}
              </Button>
            )}
          </Typography>
          <Typography color="text.secondary">{t('referrals.from')}</Typography>
          <Typography>{r.fromOrgName}</Typography>
          <Typography color="text.secondary">{t('referrals.to')}</Typography>
          <Typography>{r.toOrgName}</Typography>
          <Typography color="text.secondary">{t('referrals.created')}</Typography>
          <Typography>
            <EraDateTime value={r.createdAt} /> {r.urgency === 'urgent' && <Chip size="small" color="error" label={t('case.urgent')} />}
          </Typography>
          <Typography color="text.secondary">{t('referrals.dueDate')}</Typography>
          <Typography>
            <EraDate value={r.dueDate} /> {r.overdue && <Chip size="small" color="warning" label={t('referrals.overdue')} />}
          </Typography>
          <Typography color="text.secondary">{t('referrals.reason')}</Typography>
          <Typography sx={{ whiteSpace: 'pre-wrap' }}>{r.reason}</Typography>
          <Typography color="text.secondary">{t('referrals.summary')}</Typography>
          <Typography sx={{ whiteSpace: 'pre-wrap' }}>{r.summary}</Typography>
          {r.answerNote && (
            <>
              <Typography color="text.secondary">{t('referrals.answerNote')}</Typography>
              <Typography sx={{ whiteSpace: 'pre-wrap' }}>{r.answerNote}</Typography>
            </>
          )}
          {r.report && (
            <>
              <Typography color="text.secondary">{t('referrals.report')}</Typography>
              <Typography sx={{ whiteSpace: 'pre-wrap' }} data-testid="referral-report">
                {r.report}
              </Typography>
            </>
          )}
        </Box>
      </Paper>
      {(r.history ?? []).length > 0 && <History history={r.history ?? []} />}
      {actions.length > 0 && (
        <Paper sx={{ p: 2 }} component="section" aria-label={t('common.actions')}>
          <ConflictDialog error={act.error} onReload={reload} />
          {!(act.error as { isStale?: boolean } | null)?.isStale && <ErrorAlert error={act.error} fields={['note']} />}
          <TextField label={noteLabel} value={note} onChange={(e) => setNote(e.target.value)} fullWidth multiline minRows={2} {...field('note')} />
          <Box sx={{ display: 'flex', gap: 1, mt: 1, flexWrap: 'wrap' }}>
            {actions.map((a) => (
              <Button key={a} variant={a === 'accept' || a === 'complete' ? 'contained' : 'outlined'} color={a === 'decline' || a === 'withdraw' ? 'error' : 'primary'} onClick={() => act.mutate(a)} disabled={act.isPending}>
                {t(`referrals.${a}`)}
              </Button>
            ))}
          </Box>
        </Paper>
      )}
    </Page>
  );
}

/** The closed loop so far: every step, oldest first, with its note, who took it and when. */
function History({ history }: { history: ReferralEvent[] }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const orgs = useOrganizations();
  const name = useNamer();
  return (
    <Paper sx={{ p: 2, mb: 2 }} component="section" aria-labelledby="referral-history">
      <Typography id="referral-history" variant="subtitle1" component="h2" sx={{ mb: 1 }}>
        {t('referrals.history')}
      </Typography>
      <Box component="ol" aria-labelledby="referral-history" sx={{ m: 0, pl: 0, listStyle: 'none' }}>
        {history.map((e, i) => (
          <Box component="li" key={i} sx={{ borderLeft: 3, borderColor: 'primary.light', pl: 1.5, py: 0.75, mb: 1 }} data-testid="referral-step">
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
              <Typography component="span" sx={{ fontWeight: 700 }}>
                {e.action === 'send' ? t('referrals.sent') : label('referralAction', e.action)}
              </Typography>
              <Chip size="small" variant="outlined" label={label('referralStatus', e.toStatus, e.statusLabel)} />
              <Typography component="span" variant="body2" color="text.secondary">
                <EraDateTime value={e.at} />
                {e.actorOrg ? `　${name(orgs.data, e.actorOrg)}` : ''}
              </Typography>
            </Box>
            {e.note && (
              <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', mt: 0.5 }}>
                {e.note}
              </Typography>
            )}
          </Box>
        ))}
      </Box>
    </Paper>
  );
}
