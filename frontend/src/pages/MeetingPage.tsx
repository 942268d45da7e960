import { useState, type ReactNode } from 'react';
import { Link as RouterLink, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call, callTagged, type Tagged } from '../api';
import { ApiError } from '../api/problem';
import type { components } from '../api/schema';
import { ConflictDialog, EraDate, EraDateTime, ErrorAlert, Loading, Page, QueryView, submitWith, useFieldErrors, useLang } from '../components/common';
import { DataTable } from '../components/PagedTable';
import { codeOptions } from '../components/options';
import { useEnumLabel, useNamer, useOrganizations, useSupportFunctions, worksCases } from '../hooks';
import { formatDate, formatTime, todayIso } from '../lib/dates';

type MeetingOut = components['schemas']['MeetingOut'];
type DecisionKind = components['schemas']['DecisionKind'];
type Purpose = components['schemas']['AgendaPurpose'];
const PURPOSES: Purpose[] = ['information_sharing', 'role_assignment', 'plan_review', 'plan_evaluation', 'closing'];
const DECISIONS: DecisionKind[] = ['plan_approval', 'role_assignment', 'support_policy', 'monitoring_period', 'close_case', 'suspend_case'];
const CASE_MEETINGS = ['support', 'multi_agency'];

function Section({ title, children, id }: { title: string; children: ReactNode; id: string }) {
  return (
    <Paper component="section" aria-labelledby={id} sx={{ p: 2, mb: 2 }}>
      <Typography id={id} variant="h6" component="h2" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

export default function MeetingPage() {
  const { meetingId } = useParams();
  const id = Number(meetingId);
  const query = useQuery({ queryKey: ['meeting', id], queryFn: () => callTagged(api.GET('/meetings/{meeting_id}', { params: { path: { meeting_id: id } } })) });
  return <QueryView query={query}>{(tagged) => <MeetingView tagged={tagged} reload={() => query.refetch()} />}</QueryView>;
}

function MeetingView({ tagged, reload }: { tagged: Tagged<MeetingOut>; reload: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const queryClient = useQueryClient();
  const m = tagged.data;
  const organiser = m.access.organiser;
  const onOrAfterDay = m.day <= todayIso();
  const etag = () => ((queryClient.getQueryData(['meeting', m.id]) as Tagged<MeetingOut> | undefined) ?? tagged).etag;
  const settle = (next: Tagged<MeetingOut>) => {
    queryClient.setQueryData(['meeting', m.id], next);
    void queryClient.invalidateQueries({ queryKey: ['meetings'] });
  };
  const status = useMutation({ mutationFn: (s: 'held' | 'cancelled') => callTagged(api.PATCH('/meetings/{meeting_id}', { params: { path: { meeting_id: m.id }, header: { 'if-match': etag() } }, body: { status: s } })), onSuccess: settle });
  const acknowledge = useMutation({
    mutationFn: () => call(api.POST('/meetings/{meeting_id}/confidentiality-acknowledgements', { params: { path: { meeting_id: m.id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['meeting', m.id] });
    },
  });
  const needsAck = m.kind === 'support' && !organiser && m.access.invited && !m.access.confidentialityAcknowledged;
  return (
    <Page
      title={`${label('meetingKind', m.kind, m.kindLabel)}（${m.regular ? t('meetings.regular') : t('meetings.adHoc')}）`}
      actions={
        <>
          <Chip color="primary" label={label('meetingStatus', m.status, m.statusLabel)} data-testid="meeting-status" />
          <Button component={RouterLink} to="/meetings">
            {t('common.back')}
          </Button>
        </>
      }
    >
      <Paper sx={{ p: 2, mb: 2 }}>
        <Typography>
          <EraDate value={m.day} weekday /> {formatTime(m.startTime)}〜{formatTime(m.endTime)} ・ {m.place ?? '—'} ・ {t('meetings.organiser')}: {m.organiserOrgName ?? '—'}
        </Typography>
        {m.requestDeadline && <Typography variant="body2" color="text.secondary">{t('meetings.deadline', { date: '' })}<EraDate value={m.requestDeadline} /></Typography>}
        {organiser && m.status === 'scheduled' && (
          <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
            <Button variant="outlined" onClick={() => status.mutate('held')} disabled={!onOrAfterDay}>
              {t('meetings.markHeld')}
            </Button>
            <Button color="error" onClick={() => status.mutate('cancelled')}>
              {t('meetings.cancel')}
            </Button>
          </Box>
        )}
        <ConflictDialog error={status.error} onReload={reload} />
        {!(status.error instanceof ApiError && status.error.isStale) && <ErrorAlert error={status.error} />}
        {organiser && !onOrAfterDay && <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>{t('meetings.notOnDayYet')}</Typography>}
      </Paper>
      {needsAck ? (
        <Alert severity="warning" sx={{ mb: 2 }} action={<Button color="inherit" variant="outlined" onClick={() => acknowledge.mutate()}>{t('meetings.acknowledge')}</Button>}>
          <AlertTitle>{t('meetings.confidentiality')}</AlertTitle>
          {t('meetings.confidentialityBody')}
          <ErrorAlert error={acknowledge.error} />
        </Alert>
      ) : (
        m.kind === 'support' && m.access.confidentialityAcknowledged && <Alert severity="success" sx={{ mb: 2 }}>{t('meetings.acknowledged')}</Alert>
      )}
      {CASE_MEETINGS.includes(m.kind) && !needsAck && <Agenda meeting={m} />}
      <Attendees meeting={m} />
      {(organiser || m.minutes) && <Minutes meeting={m} etag={etag} settle={settle} reload={reload} />}
    </Page>
  );
}

const AGENDA_FIELDS = ['caseId', 'purpose', 'summary', 'planId'];

function Agenda({ meeting }: { meeting: MeetingOut }) {
  const { t } = useTranslation();
  const lang = useLang();
  const label = useEnumLabel();
  const queryClient = useQueryClient();
  const organiser = meeting.access.organiser;
  const items = useQuery({ queryKey: ['meeting', meeting.id, 'agenda'], queryFn: () => call(api.GET('/meetings/{meeting_id}/agenda-items', { params: { path: { meeting_id: meeting.id } } })) });
  const decisions = useQuery({ queryKey: ['meeting', meeting.id, 'decisions'], queryFn: () => call(api.GET('/meetings/{meeting_id}/decisions', { params: { path: { meeting_id: meeting.id } } })) });
  const orgs = useOrganizations();
  const functions = useSupportFunctions();
  const name = useNamer();
  const CONTENT_LABELS: Record<string, string> = {
    org: t('meetings.org'),
    role: t('meetings.role'),
    supportContent: t('plans.content'),
    frequency: t('plans.frequency'),
    function: t('plans.function'),
    endDate: t('plans.endDate'),
    policy: t('meetings.policy'),
    everyMonths: t('meetings.everyMonths'),
    nextMonitoringOn: t('meetings.nextMonitoringOn'),
    note: t('common.note'),
    reason: t('meetings.reason'),
  };
  const contentLabel = (k: string) => CONTENT_LABELS[k] ?? k;
  const contentValue = (k: string, v: unknown) => (k === 'org' ? name(orgs.data, String(v)) : k === 'function' ? name(functions.data, String(v)) : k === 'endDate' || k === 'nextMonitoringOn' ? formatDate(String(v), lang) : String(v));
  const cases = useQuery({ queryKey: ['cases', 'for-agenda'], queryFn: () => call(api.GET('/cases', { params: { query: { limit: 100 } } })), enabled: organiser });
  const [draft, setDraft] = useState({ caseId: '', purpose: (meeting.kind === 'multi_agency' ? 'plan_review' : 'information_sharing') as Purpose, summary: '', planId: '' });
  const plans = useQuery({ queryKey: ['case', Number(draft.caseId), 'plans'], queryFn: () => call(api.GET('/cases/{case_id}/plans', { params: { path: { case_id: Number(draft.caseId) } } })), enabled: organiser && draft.caseId !== '' });
  const add = useMutation({
    mutationFn: () => call(api.POST('/meetings/{meeting_id}/agenda-items', { params: { path: { meeting_id: meeting.id } }, body: { caseId: Number(draft.caseId), purpose: draft.purpose, summary: draft.summary, planId: draft.planId ? Number(draft.planId) : null } })),
    onSuccess: () => {
      setDraft({ ...draft, caseId: '', summary: '', planId: '' });
      void queryClient.invalidateQueries({ queryKey: ['meeting', meeting.id, 'agenda'] });
    },
  });
  const { field } = useFieldErrors(add.error, AGENDA_FIELDS);
  return (
    <>
      <Section title={t('meetings.agenda')} id="agenda-title">
        <ErrorAlert error={items.error} />
        {items.isPending ? (
          <Loading />
        ) : (items.data ?? []).length === 0 ? (
          <Typography color="text.secondary">{t('meetings.noAgenda')}</Typography>
        ) : (
          <DataTable bare label={t('meetings.agenda')} head={['#', t('meetings.case'), t('meetings.purpose'), t('meetings.summary'), t('meetings.plan')]}>
            {(items.data ?? []).map((a) => (
              <TableRow key={a.id}>
                <TableCell>{a.position}</TableCell>
                <TableCell>
                  {a.restricted ? (
                    <Chip size="small" label={t('meetings.restricted')} />
                  ) : (
                    <Link component={RouterLink} to={`/cases/${a.caseId}`}>
                      {a.caseNumber}
                    </Link>
                  )}
                </TableCell>
                <TableCell>{label('agendaPurpose', a.purpose, a.purposeLabel)}</TableCell>
                <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{a.summary}</TableCell>
                <TableCell>
                  {a.planId && (
                    <Link component={RouterLink} to={`/plans/${a.planId}`}>
                      #{a.planId}
                    </Link>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
        {organiser && meeting.status !== 'cancelled' && (
          <Box
            component="form"
            noValidate
            aria-label={t('meetings.addAgenda')}
            onSubmit={submitWith(() => add.mutate())}
            sx={{ mt: 2 }}
          >
            <Typography variant="subtitle1" component="h3">
              {t('meetings.addAgenda')}
            </Typography>
            <ErrorAlert error={add.error} fields={AGENDA_FIELDS} />
            <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 1.5, mt: 1 }}>
              <TextField select label={t('meetings.case')} value={draft.caseId} onChange={(e) => setDraft({ ...draft, caseId: e.target.value, planId: '' })} required {...field('caseId')}>
                {(cases.data?.items ?? []).map((c) => (
                  <MenuItem key={c.id} value={String(c.id)}>
                    {c.number} {c.mainPersonName}
                  </MenuItem>
                ))}
              </TextField>
              <TextField select label={t('meetings.purpose')} value={draft.purpose} onChange={(e) => setDraft({ ...draft, purpose: e.target.value as Purpose })} {...field('purpose')}>
                {PURPOSES.map((p) => (
                  <MenuItem key={p} value={p}>
                    {label('agendaPurpose', p)}
                  </MenuItem>
                ))}
              </TextField>
              <TextField select label={t('meetings.plan')} value={draft.planId} onChange={(e) => setDraft({ ...draft, planId: e.target.value })} disabled={!draft.caseId} {...field('planId')}>
                <MenuItem value="">—</MenuItem>
                {(plans.data ?? []).map((p) => (
                  <MenuItem key={p.id} value={String(p.id)}>
                    {t('case.planVersion', { n: p.versionNumber })}（{label('planStatus', p.status, p.statusLabel)}）
                  </MenuItem>
                ))}
              </TextField>
            </Box>
            <TextField label={t('meetings.summary')} value={draft.summary} onChange={(e) => setDraft({ ...draft, summary: e.target.value })} fullWidth multiline required sx={{ mt: 1.5 }} {...field('summary')} />
            <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={add.isPending || !draft.caseId}>
              {t('meetings.addAgenda')}
            </Button>
          </Box>
        )}
      </Section>
      <Section title={t('meetings.decisions')} id="decisions-title">
        <ErrorAlert error={decisions.error} />
        {(decisions.data ?? []).length === 0 ? (
          <Typography color="text.secondary">{t('common.none')}</Typography>
        ) : (
          <DataTable bare label={t('meetings.decisions')} head={[t('meetings.agendaItem'), t('meetings.decisionKind'), t('plans.content'), t('common.date')]}>
            {(decisions.data ?? []).map((d) => (
              <TableRow key={d.id}>
                <TableCell>{items.data?.find((a) => a.id === d.agendaItemId)?.position ?? d.agendaItemId}</TableCell>
                <TableCell>{label('decisionKind', d.kind, d.kindLabel)}</TableCell>
                <TableCell>
                  {Object.entries(d.content).map(([k, v]) => (
                    <div key={k}>
                      {k === 'planId' ? (
                        <Link component={RouterLink} to={`/plans/${String(v)}`}>
                          {t('meetings.plan')} #{String(v)}
                        </Link>
                      ) : (
                        `${contentLabel(k)}: ${contentValue(k, v)}`
                      )}
                    </div>
                  ))}
                  {d.kind === 'role_assignment' && d.planId && (
                    <div>
                      <Link component={RouterLink} to={`/plans/${d.planId}`}>
                        {t('meetings.planItemAdded', { plan: d.planId, item: d.planItemId ?? '' })}
                      </Link>
                    </div>
                  )}
                </TableCell>
                <TableCell>
                  <EraDateTime value={d.createdAt} />
                </TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
        {organiser && meeting.status !== 'cancelled' && (items.data ?? []).length > 0 && <DecisionForm meeting={meeting} items={items.data ?? []} />}
      </Section>
    </>
  );
}

function DecisionForm({ meeting, items }: { meeting: MeetingOut; items: components['schemas']['AgendaItemOut'][] }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const orgs = useOrganizations();
  const queryClient = useQueryClient();
  const kinds = meeting.kind === 'multi_agency' ? DECISIONS : DECISIONS.filter((k) => k !== 'plan_approval');
  const functions = useSupportFunctions();
  const name = useNamer();
  const [d, setD] = useState({ agendaItemId: String(items[0]?.id ?? ''), kind: kinds[0], planId: String(items[0]?.planId ?? ''), org: '', role: '', supportContent: '', frequency: '', function: '', policy: '', everyMonths: '3', nextMonitoringOn: '', reason: '' });
  const content = (): Record<string, unknown> => {
    switch (d.kind) {
      case 'plan_approval':
        return { planId: Number(d.planId) };
      case 'role_assignment':
        return {
          org: d.org,
          role: d.role,
          ...(d.supportContent.trim() ? { supportContent: d.supportContent.trim() } : {}),
          ...(d.frequency.trim() ? { frequency: d.frequency.trim() } : {}),
          ...(d.function ? { function: d.function } : {}),
        };
      case 'support_policy':
        return { policy: d.policy };
      case 'monitoring_period':
        return { everyMonths: Number(d.everyMonths), ...(d.nextMonitoringOn ? { nextMonitoringOn: d.nextMonitoringOn } : {}) };
      default:
        return { reason: d.reason };
    }
  };
  const record = useMutation({
    mutationFn: () => call(api.POST('/meetings/{meeting_id}/decisions', { params: { path: { meeting_id: meeting.id } }, body: { agendaItemId: Number(d.agendaItemId), kind: d.kind, content: content() } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['meeting', meeting.id, 'decisions'] });
      void queryClient.invalidateQueries({ queryKey: ['plan'] });
      void queryClient.invalidateQueries({ queryKey: ['case'] });
    },
  });
  const fields = ['agendaItemId', 'kind', 'content', 'content.planId', 'content.org', 'content.role', 'content.supportContent', 'content.frequency', 'content.function', 'content.policy', 'content.everyMonths', 'content.nextMonitoringOn', 'content.reason'];
  const { field } = useFieldErrors(record.error, fields);
  return (
    <Box
      component="form"
      noValidate
      aria-label={t('meetings.addDecision')}
      onSubmit={submitWith(() => record.mutate())}
      sx={{ mt: 2 }}
    >
      <Typography variant="subtitle1" component="h3">
        {t('meetings.addDecision')}
      </Typography>
      {record.isSuccess && (
        <Alert severity="success" sx={{ my: 1 }} data-testid="decision-saved">
          {t('common.saved')}
          {record.data.kind === 'role_assignment' &&
            (record.data.planId ? (
              <>
                {' '}
                <Link component={RouterLink} to={`/plans/${record.data.planId}`}>
                  {t('meetings.planItemAdded', { plan: record.data.planId, item: record.data.planItemId ?? '' })}
                </Link>
              </>
            ) : (
              ` ${t('meetings.noOpenPlan')}`
            ))}
        </Alert>
      )}
      <ErrorAlert error={record.error} fields={fields} />
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 1.5, mt: 1 }}>
        <TextField
          select
          label={t('meetings.agendaItem')}
          value={d.agendaItemId}
          onChange={(e) => {
            const item = items.find((a) => String(a.id) === e.target.value);
            setD({ ...d, agendaItemId: e.target.value, planId: item?.planId ? String(item.planId) : d.planId });
          }}
          {...field('agendaItemId')}
        >
          {items.map((a) => (
            <MenuItem key={a.id} value={String(a.id)}>
              {a.position}. {a.caseNumber ?? ''} {label('agendaPurpose', a.purpose, a.purposeLabel)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label={t('meetings.decisionKind')} value={d.kind} onChange={(e) => setD({ ...d, kind: e.target.value as DecisionKind })} {...field('kind')}>
          {kinds.map((k) => (
            <MenuItem key={k} value={k}>
              {label('decisionKind', k)}
            </MenuItem>
          ))}
        </TextField>
        {d.kind === 'plan_approval' && <TextField label={`${t('meetings.plan')} ID`} value={d.planId} onChange={(e) => setD({ ...d, planId: e.target.value })} {...field('content.planId')} />}
        {d.kind === 'role_assignment' && (
          <>
            <TextField select label={t('meetings.org')} value={d.org} onChange={(e) => setD({ ...d, org: e.target.value })} {...field('content.org')}>
              {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name)}
            </TextField>
            <TextField label={t('meetings.role')} value={d.role} onChange={(e) => setD({ ...d, role: e.target.value })} required {...field('content.role')} />
            <TextField label={t('meetings.supportContent')} value={d.supportContent} onChange={(e) => setD({ ...d, supportContent: e.target.value })} multiline sx={{ gridColumn: 'span 2' }} {...field('content.supportContent', t('meetings.supportContentHelp'))} />
            <TextField label={t('plans.frequency')} value={d.frequency} onChange={(e) => setD({ ...d, frequency: e.target.value })} placeholder={t('meetings.frequencyExample')} {...field('content.frequency')} />
            <TextField select label={t('plans.function')} value={d.function} onChange={(e) => setD({ ...d, function: e.target.value })} {...field('content.function')}>
              {codeOptions(functions.data ?? [], (f) => <>{f.articleItem} {name(functions.data, f.code)}</>, true)}
            </TextField>
          </>
        )}
        {d.kind === 'support_policy' && <TextField label={t('meetings.policy')} value={d.policy} onChange={(e) => setD({ ...d, policy: e.target.value })} multiline {...field('content.policy')} />}
        {d.kind === 'monitoring_period' && (
          <>
            <TextField type="number" label={t('meetings.everyMonths')} value={d.everyMonths} onChange={(e) => setD({ ...d, everyMonths: e.target.value })} {...field('content.everyMonths')} />
            <TextField type="date" label={t('meetings.nextMonitoringOn')} value={d.nextMonitoringOn} onChange={(e) => setD({ ...d, nextMonitoringOn: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field('content.nextMonitoringOn')} />
          </>
        )}
        {(d.kind === 'close_case' || d.kind === 'suspend_case') && <TextField label={t('meetings.reason')} value={d.reason} onChange={(e) => setD({ ...d, reason: e.target.value })} {...field('content.reason')} />}
      </Box>
      <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={record.isPending}>
        {t('meetings.addDecision')}
      </Button>
    </Box>
  );
}

const ATTENDEE_FIELDS = ['org', 'name', 'email', 'postalAddress', 'noticeChannel', 'userId'];

function Attendees({ meeting }: { meeting: MeetingOut }) {
  const { t } = useTranslation();
  const orgs = useOrganizations();
  const queryClient = useQueryClient();
  const organiser = meeting.access.organiser;
  const list = useQuery({ queryKey: ['meeting', meeting.id, 'attendees'], queryFn: () => call(api.GET('/meetings/{meeting_id}/attendees', { params: { path: { meeting_id: meeting.id } } })) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['meeting', meeting.id, 'attendees'] });
  const [draft, setDraft] = useState({ org: '', name: '', email: '', postalAddress: '', noticeChannel: 'email' as 'email' | 'post' });
  const add = useMutation({
    mutationFn: () => call(api.POST('/meetings/{meeting_id}/attendees', { params: { path: { meeting_id: meeting.id } }, body: { org: draft.org, name: draft.name || null, email: draft.email || null, postalAddress: draft.postalAddress || null, noticeChannel: draft.noticeChannel } })),
    onSuccess: () => {
      setDraft({ org: '', name: '', email: '', postalAddress: '', noticeChannel: 'email' });
      refresh();
    },
  });
  const attendance = useMutation({ mutationFn: (a: { id: number; attended: boolean }) => call(api.POST('/meetings/{meeting_id}/attendees/{attendee_id}/attendance', { params: { path: { meeting_id: meeting.id, attendee_id: a.id } }, body: { attended: a.attended } })), onSuccess: refresh });
  const notices = useMutation({ mutationFn: () => call(api.POST('/meetings/{meeting_id}/notices', { params: { path: { meeting_id: meeting.id } }, body: { unsentOnly: true } })), onSuccess: refresh });
  const pdf = useMutation({
    mutationFn: async (attendeeId: number) => {
      const blob = await call(api.GET('/meetings/{meeting_id}/attendees/{attendee_id}/notice.pdf', { params: { path: { meeting_id: meeting.id, attendee_id: attendeeId } }, parseAs: 'blob' }));
      window.open(URL.createObjectURL(blob as Blob), '_blank');
    },
  });
  const [posting, setPosting] = useState<components['schemas']['AttendeeOut'] | null>(null);
  const { field } = useFieldErrors(add.error, ATTENDEE_FIELDS);
  const onDay = meeting.day <= todayIso();
  return (
    <Section title={t('meetings.attendees')} id="attendees-title">
      {posting && <MarkPostedDialog meeting={meeting} attendee={posting} onClose={() => setPosting(null)} onDone={refresh} />}
      <ErrorAlert error={list.error ?? attendance.error ?? pdf.error} />
      <DataTable bare label={t('meetings.attendees')} head={[t('meetings.org'), t('meetings.name'), t('meetings.channel'), t('meetings.notices'), t('meetings.confidentiality'), t('meetings.attended')]}>
        {(list.data ?? []).map((a) => (
          <TableRow key={a.id}>
            <TableCell>{a.orgName}</TableCell>
            <TableCell>{a.name ?? ''}</TableCell>
            <TableCell>{t(`meetings.channel_${a.noticeChannel}`)}</TableCell>
            <TableCell>
              {a.noticeSentAt ? t('meetings.noticeSent', { date: '' }) : '—'}
              {a.noticeSentAt && <EraDate value={a.noticeSentAt} />}
              {organiser && a.noticeChannel === 'post' && (
                <Button size="small" onClick={() => pdf.mutate(a.id)}>
                  {t('meetings.noticePdf')}
                </Button>
              )}
              {organiser && a.noticeChannel === 'post' && meeting.status !== 'cancelled' && (
                <Button size="small" onClick={() => setPosting(a)} aria-label={t('meetings.markPostedFor', { who: a.name ?? a.orgName })}>
                  {t('meetings.markPosted')}
                </Button>
              )}
            </TableCell>
            <TableCell>{a.confidentialityAcknowledgedAt ? <EraDateTime value={a.confidentialityAcknowledgedAt} /> : '—'}</TableCell>
            <TableCell>
              {a.attended === null ? '—' : a.attended ? t('meetings.attended') : t('meetings.absent')}
              {organiser && onDay && meeting.status !== 'cancelled' && (
                <>
                  <Button size="small" onClick={() => attendance.mutate({ id: a.id, attended: true })}>
                    {t('meetings.attended')}
                  </Button>
                  <Button size="small" onClick={() => attendance.mutate({ id: a.id, attended: false })}>
                    {t('meetings.absent')}
                  </Button>
                </>
              )}
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
      {organiser && meeting.status !== 'cancelled' && (
        <>
          <Box sx={{ mt: 1 }}>
            <Button onClick={() => notices.mutate()} disabled={notices.isPending || (list.data ?? []).length === 0}>
              {t('meetings.sendNotices')}
            </Button>
            <ErrorAlert error={notices.error} />
            {notices.data && (
              <Box component="ul" sx={{ m: 0 }}>
                {notices.data.results.map((r) => (
                  <li key={r.attendeeId}>
                    #{r.attendeeId} {t(`meetings.channel_${r.channel}`)}: {r.status} {r.error ?? ''}
                  </li>
                ))}
              </Box>
            )}
          </Box>
          <Box
            component="form"
            noValidate
            aria-label={t('meetings.addAttendee')}
            onSubmit={submitWith(() => add.mutate())}
            sx={{ mt: 2 }}
          >
            <Typography variant="subtitle1" component="h3">
              {t('meetings.addAttendee')}
            </Typography>
            <ErrorAlert error={add.error} fields={ATTENDEE_FIELDS} />
            <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: 1.5, mt: 1 }}>
              <TextField select label={t('meetings.org')} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.target.value })} required {...field('org')}>
                {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name)}
              </TextField>
              <TextField label={t('meetings.name')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} {...field('name')} />
              <TextField select label={t('meetings.channel')} value={draft.noticeChannel} onChange={(e) => setDraft({ ...draft, noticeChannel: e.target.value as 'email' | 'post' })} {...field('noticeChannel')}>
                <MenuItem value="email">{t('meetings.channel_email')}</MenuItem>
                <MenuItem value="post">{t('meetings.channel_post')}</MenuItem>
              </TextField>
              {draft.noticeChannel === 'email' ? (
                <TextField type="email" label={t('meetings.email')} value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} {...field('email')} />
              ) : (
                <TextField label={t('meetings.postalAddress')} value={draft.postalAddress} onChange={(e) => setDraft({ ...draft, postalAddress: e.target.value })} {...field('postalAddress')} />
              )}
              <Button type="submit" variant="contained" disabled={add.isPending}>
                {t('meetings.addAttendee')}
              </Button>
            </Box>
          </Box>
        </>
      )}
    </Section>
  );
}

function Minutes({ meeting, etag, settle, reload }: { meeting: MeetingOut; etag: () => string; settle: (t: Tagged<MeetingOut>) => void; reload: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const [text, setText] = useState(meeting.minutes ?? '');
  const save = useMutation({ mutationFn: () => callTagged(api.PUT('/meetings/{meeting_id}/minutes', { params: { path: { meeting_id: meeting.id }, header: { 'if-match': etag() } }, body: { minutes: text } })), onSuccess: settle });
  const { field } = useFieldErrors(save.error, ['minutes']);
  const editable = meeting.access.organiser && meeting.status !== 'cancelled' && meeting.day <= todayIso();
  return (
    <Section title={t('meetings.minutes')} id="minutes-title">
      <ConflictDialog error={save.error} onReload={reload} />
      {!(save.error instanceof ApiError && save.error.isStale) && <ErrorAlert error={save.error} fields={['minutes']} />}
      {save.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('common.saved')}</Alert>}
      <TextField label={t('meetings.minutes')} value={text} onChange={(e) => setText(e.target.value)} fullWidth multiline minRows={4} slotProps={{ input: { readOnly: !editable } }} {...field('minutes')} />
      {editable && (
        <Button variant="contained" sx={{ mt: 1 }} onClick={() => save.mutate()} disabled={save.isPending || !text}>
          {t('meetings.saveMinutes')}
        </Button>
      )}
    </Section>
  );
}

/** A notice sent by post: the organiser records the day it was posted (today unless said). */
function MarkPostedDialog({ meeting, attendee, onClose, onDone }: { meeting: MeetingOut; attendee: components['schemas']['AttendeeOut']; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [postedOn, setPostedOn] = useState(todayIso());
  const mark = useMutation({
    mutationFn: () =>
      call(
        api.POST('/meetings/{meeting_id}/attendees/{attendee_id}/notice-posted', {
          params: { path: { meeting_id: meeting.id, attendee_id: attendee.id } },
          body: { postedOn: postedOn || null },
        }),
      ),
    onSuccess: () => {
      onDone();
      onClose();
    },
  });
  const { field } = useFieldErrors(mark.error, ['postedOn']);
  return (
    <Dialog open onClose={onClose} aria-labelledby="posted-title">
      <Box
        component="form"
        noValidate
        onSubmit={submitWith(() => mark.mutate())}
      >
        <DialogTitle id="posted-title">{t('meetings.markPosted')}</DialogTitle>
        <DialogContent>
          <Typography sx={{ mb: 2 }}>
            {attendee.orgName} {attendee.name ?? ''}
          </Typography>
          <ErrorAlert error={mark.error} fields={['postedOn']} />
          <TextField type="date" label={t('meetings.postedOn')} value={postedOn} onChange={(e) => setPostedOn(e.target.value)} slotProps={{ inputLabel: { shrink: true }, htmlInput: { max: todayIso() } }} autoFocus {...field('postedOn')} />
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={mark.isPending}>
            {t('meetings.markPosted')}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
