import { useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import Alert from '@mui/material/Alert';
import { api, call } from '../../api';
import type { components } from '../../api/schema';
import { EraDate, EraDateTime, ErrorAlert, Loading, submitWith, useFieldErrors, useLang } from '../../components/common';
import { DataTable } from '../../components/PagedTable';
import { codeOptions } from '../../components/options';
import { ConsentFields, consentBody, emptyConsent } from '../../components/ConsentFields';
import { useCodeList, useEnumLabel, useMe, useNamer, useOrganizations, useSupportFunctions, useCategories, worksCases } from '../../hooks';
import { addDays, formatDate, formatTime, todayIso } from '../../lib/dates';
import { mayWritePlans } from '../../nav';

type CaseOut = components['schemas']['CaseOut'];

const grid = { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: 1.5, alignItems: 'start' } as const;

export function Household({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const name = useNamer();
  const categories = useCategories();
  return (
    <DataTable bare label={t('case.household')} head={[t('intake.relationship'), t('intake.name'), t('intake.birthDate'), t('intake.categories'), t('intake.consent'), t('intake.notes')]}>
      {kase.members.map((m) => (
        <TableRow key={m.id}>
          <TableCell>
            {m.relationship} {m.isMain && <Chip size="small" color="primary" label={t('case.main')} />}
          </TableCell>
          <TableCell>
            {m.redacted ? (
              <Typography color="text.secondary">{t('case.redacted')}</Typography>
            ) : (
              <>
                <div>{m.name}</div>
                <Typography variant="caption" color="text.secondary">
                  {m.nameKana}
                </Typography>
              </>
            )}
          </TableCell>
          <TableCell>
            {m.birthDate ? <EraDate value={m.birthDate} /> : null} <Typography variant="caption">{m.ageBand}</Typography>
          </TableCell>
          <TableCell>{(m.categories ?? []).map((c) => name(categories.data, c.code) || c.name).join('、')}</TableCell>
          <TableCell>{m.consentInForce === true ? <Chip size="small" color="success" label={t('case.inForce')} /> : m.consentInForce === false ? '—' : ''}</TableCell>
          <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{m.notes}</TableCell>
        </TableRow>
      ))}
    </DataTable>
  );
}

const TIMELINE_FIELDS = ['occurredOn', 'means', 'function', 'memberId', 'content'];

/** A member as the reader may see them: the relationship, and the name unless it is hidden. */
export function memberLabel(m: { relationship: string; name?: string | null; redacted: boolean }, hidden: string): string {
  return `${m.relationship} ${m.redacted ? hidden : (m.name ?? '')}`.trim();
}

export function Timeline({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const name = useNamer();
  const means = useCodeList('contact_means');
  const functions = useSupportFunctions();
  const queryClient = useQueryClient();
  const caseId = kase.id;
  const entries = useInfiniteQuery({
    queryKey: ['case', caseId, 'timeline'],
    queryFn: ({ pageParam }) => call(api.GET('/cases/{case_id}/timeline', { params: { path: { case_id: caseId }, query: { cursor: pageParam ?? undefined, limit: 20 } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const emptyEntry = { occurredOn: todayIso(), means: '', function: '', memberId: '', content: '' };
  const [draft, setDraft] = useState(emptyEntry);
  const add = useMutation({
    mutationFn: () =>
      call(
        api.POST('/cases/{case_id}/timeline', {
          params: { path: { case_id: caseId } },
          body: { occurredOn: draft.occurredOn, means: draft.means, function: draft.function || null, memberId: draft.memberId ? Number(draft.memberId) : null, content: draft.content },
        }),
      ),
    onSuccess: () => {
      setDraft(emptyEntry);
      void queryClient.invalidateQueries({ queryKey: ['case', caseId, 'timeline'] });
    },
  });
  const { field } = useFieldErrors(add.error, TIMELINE_FIELDS);
  const submit = submitWith(() => add.mutate());
  return (
    <Box>
      {kase.access.canEdit && (
        <Paper component="form" onSubmit={submit} noValidate aria-label={t('case.addEntry')} variant="outlined" sx={{ p: 2, mb: 2 }}>
          <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
            {t('case.addEntry')}
          </Typography>
          <ErrorAlert error={add.error} fields={TIMELINE_FIELDS} />
          <Box sx={grid}>
            <TextField type="date" label={t('case.occurredOn')} value={draft.occurredOn} onChange={(e) => setDraft({ ...draft, occurredOn: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} required {...field('occurredOn')} />
            <TextField select label={t('case.means')} value={draft.means} onChange={(e) => setDraft({ ...draft, means: e.target.value })} required {...field('means')}>
              {codeOptions(means.data ?? [], (m) => name(means.data, m.code))}
            </TextField>
            <TextField select label={t('case.function')} value={draft.function} onChange={(e) => setDraft({ ...draft, function: e.target.value })} {...field('function')}>
              {codeOptions(functions.data ?? [], (f) => <>{f.articleItem} {name(functions.data, f.code)}</>, true)}
            </TextField>
            <TextField select label={t('case.member')} value={draft.memberId} onChange={(e) => setDraft({ ...draft, memberId: e.target.value })} {...field('memberId', t('case.memberHelp'))}>
              <MenuItem value="">{t('case.wholeHousehold')}</MenuItem>
              {kase.members.map((m) => (
                <MenuItem key={m.id} value={String(m.id)}>
                  {memberLabel(m, t('case.hiddenName'))}
                </MenuItem>
              ))}
            </TextField>
          </Box>
          <TextField label={t('case.content')} value={draft.content} onChange={(e) => setDraft({ ...draft, content: e.target.value })} multiline minRows={2} fullWidth required sx={{ mt: 1.5 }} {...field('content')} />
          <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={add.isPending}>
            {t('common.add')}
          </Button>
        </Paper>
      )}
      <ErrorAlert error={entries.error} />
      {entries.isPending ? (
        <Loading />
      ) : (
        <List aria-label={t('case.timeline')}>
          {entries.data?.pages.flatMap((p) => p.items).map((e) => (
            <ListItem key={e.id} divider alignItems="flex-start">
              <ListItemText
                primary={
                  <>
                    <EraDate value={e.occurredOn} /> ・ {name(means.data, e.means)}
                    {e.function && ` ・ ${name(functions.data, e.function)}`}
                    {e.member && ` ・ ${t('case.member')}: ${memberLabel(e.member, t('case.hiddenName'))}`}
                  </>
                }
                secondary={
                  <>
                    <Typography component="span" sx={{ whiteSpace: 'pre-wrap', display: 'block', color: 'text.primary' }}>
                      {e.content}
                    </Typography>
                    {t('case.author')}: {e.authorName}
                  </>
                }
              />
            </ListItem>
          ))}
        </List>
      )}
      {entries.hasNextPage && <Button onClick={() => void entries.fetchNextPage()}>{t('common.loadMore')}</Button>}
    </Box>
  );
}

const TEAM_FIELDS = ['org', 'role', 'startDate', 'endDate'];

export function Team({ kase, onChanged }: { kase: CaseOut; onChanged: () => void }) {
  const { t } = useTranslation();
  const orgs = useOrganizations();
  const [draft, setDraft] = useState({ org: '', role: '', startDate: todayIso() });
  const add = useMutation({
    mutationFn: () => call(api.POST('/cases/{case_id}/team', { params: { path: { case_id: kase.id } }, body: { org: draft.org, role: draft.role, startDate: draft.startDate } })),
    onSuccess: () => {
      setDraft({ org: '', role: '', startDate: todayIso() });
      onChanged();
    },
  });
  const end = useMutation({
    mutationFn: (membershipId: number) => call(api.PATCH('/cases/{case_id}/team/{membership_id}', { params: { path: { case_id: kase.id, membership_id: membershipId } }, body: { endDate: todayIso() } })),
    onSuccess: onChanged,
  });
  const { field } = useFieldErrors(add.error, TEAM_FIELDS);
  return (
    <Box>
      <Table size="small" aria-label={t('case.team')}>
        <TableHead>
          <TableRow>
            <TableCell>{t('case.org')}</TableCell>
            <TableCell>{t('case.role')}</TableCell>
            <TableCell>{t('case.startDate')}</TableCell>
            <TableCell>{t('case.endDate')}</TableCell>
            <TableCell>{t('common.status')}</TableCell>
            {kase.access.canEdit && <TableCell>{t('common.actions')}</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {kase.team.map((m) => (
            <TableRow key={m.id}>
              <TableCell>{m.orgName}</TableCell>
              <TableCell>{m.role}</TableCell>
              <TableCell>
                <EraDate value={m.startDate} />
              </TableCell>
              <TableCell>
                <EraDate value={m.endDate} />
              </TableCell>
              <TableCell>{m.active ? t('case.active') : t('case.ended')}</TableCell>
              {kase.access.canEdit && (
                <TableCell>
                  {m.active && (
                    <Button size="small" onClick={() => end.mutate(m.id)}>
                      {t('case.endDate')}
                    </Button>
                  )}
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <ErrorAlert error={end.error} />
      {kase.access.canEdit && (
        <Paper
          component="form"
          variant="outlined"
          aria-label={t('case.addTeam')}
          noValidate
          onSubmit={submitWith(() => add.mutate())}
          sx={{ p: 2, mt: 2 }}
        >
          <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
            {t('case.addTeam')}
          </Typography>
          <ErrorAlert error={add.error} fields={TEAM_FIELDS} />
          <Box sx={grid}>
            <TextField select label={t('case.org')} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.target.value })} required {...field('org')}>
              {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name)}
            </TextField>
            <TextField label={t('case.role')} value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })} required {...field('role')} />
            <TextField type="date" label={t('case.startDate')} value={draft.startDate} onChange={(e) => setDraft({ ...draft, startDate: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field('startDate')} />
            <Button type="submit" variant="contained" disabled={add.isPending}>
              {t('common.add')}
            </Button>
          </Box>
        </Paper>
      )}
    </Box>
  );
}

const REFERRAL_FIELDS = ['toOrg', 'reason', 'urgency', 'dueDate', 'summary'];

export function Referrals({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const orgs = useOrganizations();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['case', kase.id, 'referrals'], queryFn: () => call(api.GET('/cases/{case_id}/referrals', { params: { path: { case_id: kase.id } } })) });
  const empty = { toOrg: '', reason: '', urgency: 'normal' as 'normal' | 'urgent', dueDate: addDays(todayIso(), 14), summary: '' };
  const [draft, setDraft] = useState(empty);
  const send = useMutation({
    mutationFn: () => call(api.POST('/cases/{case_id}/referrals', { params: { path: { case_id: kase.id } }, body: { ...draft, dueDate: draft.dueDate || null } })),
    onSuccess: () => {
      setDraft(empty);
      void queryClient.invalidateQueries({ queryKey: ['case', kase.id, 'referrals'] });
      void queryClient.invalidateQueries({ queryKey: ['referrals'] });
    },
  });
  const { field } = useFieldErrors(send.error, REFERRAL_FIELDS);
  return (
    <Box>
      <ErrorAlert error={list.error} />
      <DataTable bare label={t('case.referrals')} head={['#', t('referrals.from'), t('referrals.to'), t('common.status'), t('referrals.created'), t('referrals.dueDate')]}>
        {(list.data ?? []).map((r) => (
          <TableRow key={r.id}>
            <TableCell>
              <Link component={RouterLink} to={`/referrals/${r.id}`}>
                #{r.id}
              </Link>
            </TableCell>
            <TableCell>{r.fromOrgName}</TableCell>
            <TableCell>{r.toOrgName}</TableCell>
            <TableCell>
              <Chip size="small" label={label('referralStatus', r.status, r.statusLabel)} />
            </TableCell>
            <TableCell>
              <EraDate value={r.createdAt} />
            </TableCell>
            <TableCell>
              <EraDate value={r.dueDate} /> {r.overdue && <Chip size="small" color="warning" label={t('referrals.overdue')} />}
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
      {kase.access.canEdit && (
        <Paper
          component="form"
          variant="outlined"
          aria-label={t('case.newReferral')}
          noValidate
          onSubmit={submitWith(() => send.mutate())}
          sx={{ p: 2, mt: 2 }}
        >
          <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
            {t('case.newReferral')}
          </Typography>
          {send.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('common.saved')}</Alert>}
          <ErrorAlert error={send.error} fields={REFERRAL_FIELDS} />
          <Box sx={grid}>
            <TextField select label={t('case.toOrg')} value={draft.toOrg} onChange={(e) => setDraft({ ...draft, toOrg: e.target.value })} required {...field('toOrg')}>
              {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name)}
            </TextField>
            <TextField select label={t('case.urgency')} value={draft.urgency} onChange={(e) => setDraft({ ...draft, urgency: e.target.value as 'normal' | 'urgent' })} {...field('urgency')}>
              <MenuItem value="normal">{t('case.normal')}</MenuItem>
              <MenuItem value="urgent">{t('case.urgent')}</MenuItem>
            </TextField>
            <TextField type="date" label={t('case.dueDate')} value={draft.dueDate} onChange={(e) => setDraft({ ...draft, dueDate: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field('dueDate')} />
          </Box>
          <TextField label={t('case.reason')} value={draft.reason} onChange={(e) => setDraft({ ...draft, reason: e.target.value })} fullWidth required multiline sx={{ mt: 1.5 }} {...field('reason')} />
          <TextField label={t('case.summary')} value={draft.summary} onChange={(e) => setDraft({ ...draft, summary: e.target.value })} fullWidth required multiline minRows={2} sx={{ mt: 1.5 }} {...field('summary', t('case.summaryHint'))} />
          <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={send.isPending}>
            {t('case.newReferral')}
          </Button>
        </Paper>
      )}
    </Box>
  );
}

export function Plans({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const me = useMe();
  const list = useQuery({ queryKey: ['case', kase.id, 'plans'], queryFn: () => call(api.GET('/cases/{case_id}/plans', { params: { path: { case_id: kase.id } } })) });
  return (
    <Box>
      {me.data && mayWritePlans(me.data) && (
        <Button component={RouterLink} to={`/cases/${kase.id}/plans/new`} variant="contained" sx={{ mb: 2 }}>
          {t('case.newPlan')}
        </Button>
      )}
      <ErrorAlert error={list.error} />
      <DataTable bare label={t('case.plans')} head={[t('case.planVersion', { n: '' }), t('common.status'), t('plans.startDate'), t('plans.endDate'), t('plans.nextMonitoring')]}>
        {(list.data ?? []).map((p) => (
          <TableRow key={p.id}>
            <TableCell>
              <Link component={RouterLink} to={`/plans/${p.id}`}>
                {t('case.planVersion', { n: p.versionNumber })}
              </Link>
            </TableCell>
            <TableCell>
              <Chip size="small" label={label('planStatus', p.status, p.statusLabel)} />
            </TableCell>
            <TableCell>
              <EraDate value={p.startDate} />
            </TableCell>
            <TableCell>
              <EraDate value={p.endDate} />
            </TableCell>
            <TableCell>
              <EraDate value={p.nextMonitoringDate} /> {p.monitoringState && <Chip size="small" color={p.monitoringState === 'overdue' ? 'error' : 'warning'} label={t(`plans.state_${p.monitoringState}`)} />}
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
    </Box>
  );
}

const REQUEST_FIELDS = ['kind', 'meetingId', 'purpose', 'note'];
const PURPOSES = ['information_sharing', 'role_assignment', 'plan_review', 'plan_evaluation', 'closing'] as const;

export function MeetingRequest({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const lang = useLang();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState({ kind: (kase.consentInForce ? 'multi_agency' : 'support') as 'support' | 'multi_agency', meetingId: '', purpose: 'information_sharing' as (typeof PURPOSES)[number], note: '' });
  const meetings = useQuery({
    queryKey: ['meetings', 'open-for-requests', draft.kind],
    queryFn: () => call(api.GET('/meetings/open-for-requests', { params: { query: { kind: draft.kind } } })),
  });
  const send = useMutation({
    mutationFn: () => call(api.POST('/cases/{case_id}/meeting-requests', { params: { path: { case_id: kase.id } }, body: { kind: draft.kind, meetingId: Number(draft.meetingId), purpose: draft.purpose, note: draft.note || null } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['case', kase.id, 'meetings'] }),
  });
  const { field } = useFieldErrors(send.error, REQUEST_FIELDS);
  if (!kase.access.canEdit) return null;
  const open = meetings.data ?? [];
  const chosen = open.find((m) => String(m.id) === draft.meetingId);
  return (
    <Paper
      component="form"
      variant="outlined"
      aria-label={t('case.requestMeeting')}
      noValidate
      onSubmit={submitWith(() => send.mutate())}
      sx={{ p: 2 }}
    >
      <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
        {t('case.requestMeeting')}
      </Typography>
      {!kase.consentInForce && <Alert severity="info" sx={{ mb: 1 }}>{t('case.consentRequiredForMulti')}</Alert>}
      {send.isSuccess && <Alert severity="success" sx={{ mb: 1 }}>{t('case.requested')}</Alert>}
      <ErrorAlert error={send.error} fields={REQUEST_FIELDS} />
      <Box sx={grid}>
        <TextField select label={t('case.meetingKind')} value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as 'support' | 'multi_agency', meetingId: '' })} {...field('kind')}>
          <MenuItem value="support">{label('meetingKind', 'support')}</MenuItem>
          <MenuItem value="multi_agency">{label('meetingKind', 'multi_agency')}</MenuItem>
        </TextField>
        <TextField select label={t('case.meeting')} value={draft.meetingId} onChange={(e) => setDraft({ ...draft, meetingId: e.target.value })} required {...field('meetingId', open.length === 0 ? t('case.noMeetings') : undefined)}>
          {open.map((m) => (
            <MenuItem key={m.id} value={String(m.id)}>
              <EraDate value={m.day} weekday />
              {m.startTime ? ` ${formatTime(m.startTime)}` : ''} {m.regular ? t('meetings.regular') : t('meetings.adHoc')}
              {m.requestDeadline && (
                <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                  （{t('meetings.deadline', { date: formatDate(m.requestDeadline, lang) })}）
                </Typography>
              )}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label={t('case.purpose')} value={draft.purpose} onChange={(e) => setDraft({ ...draft, purpose: e.target.value as (typeof PURPOSES)[number] })} {...field('purpose')}>
          {PURPOSES.map((p) => (
            <MenuItem key={p} value={p}>
              {label('agendaPurpose', p)}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {chosen && (
        <Typography variant="body2" sx={{ mt: 1 }} data-testid="request-deadline">
          {chosen.requestDeadline ? t('case.requestDeadline', { date: formatDate(chosen.requestDeadline, lang) }) : t('case.noRequestDeadline')}
          {chosen.place ? `　${t('meetings.place')}: ${chosen.place}` : ''}
        </Typography>
      )}
      <TextField label={t('case.requestNote')} value={draft.note} onChange={(e) => setDraft({ ...draft, note: e.target.value })} fullWidth multiline sx={{ mt: 1.5 }} {...field('note')} />
      <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={send.isPending || !draft.meetingId}>
        {t('common.submit')}
      </Button>
    </Paper>
  );
}

export function Consents({ kase, onChanged }: { kase: CaseOut; onChanged: () => void }) {
  const { t } = useTranslation();
  const orgs = useOrganizations();
  const queryClient = useQueryClient();
  const consents = useQuery({ queryKey: ['case', kase.id, 'consents'], queryFn: () => call(api.GET('/cases/{case_id}/consents', { params: { path: { case_id: kase.id } } })) });
  const visible = kase.members.filter((m) => !m.redacted);
  const [memberId, setMemberId] = useState(String(visible.find((m) => m.isMain)?.id ?? visible[0]?.id ?? ''));
  const [draft, setDraft] = useState(emptyConsent(todayIso()));
  const [withdrawing, setWithdrawing] = useState<{ id: number; reason: string } | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['case', kase.id, 'consents'] });
    onChanged();
  };
  const record = useMutation({
    mutationFn: () => {
      const body = consentBody(draft);
      if (!body) throw new Error(t('intake.consentNone'));
      return call(api.POST('/cases/{case_id}/members/{member_id}/consents', { params: { path: { case_id: kase.id, member_id: Number(memberId) } }, body }));
    },
    onSuccess: () => {
      setDraft(emptyConsent(todayIso()));
      refresh();
    },
  });
  const withdraw = useMutation({
    mutationFn: (w: { id: number; reason: string }) => call(api.POST('/cases/{case_id}/consents/{consent_id}/withdrawal', { params: { path: { case_id: kase.id, consent_id: w.id } }, body: { reason: w.reason } })),
    onSuccess: () => {
      setWithdrawing(null);
      refresh();
    },
  });
  const fields = ['decision', 'decidedOn', 'method', 'givenBy', 'guardianName', 'coversWholeTeam', 'coveredOrgs', 'validUntil', 'note', 'reason'];
  const { field } = useFieldErrors(record.error, fields);
  const memberName = (id: number) => {
    const m = kase.members.find((x) => x.id === id);
    return m?.name ?? m?.relationship ?? String(id);
  };
  return (
    <Box>
      <ErrorAlert error={consents.error} />
      <Table size="small" aria-label={t('case.consents')}>
        <TableHead>
          <TableRow>
            <TableCell>{t('intake.name')}</TableCell>
            <TableCell>{t('intake.consent')}</TableCell>
            <TableCell>{t('intake.decidedOn')}</TableCell>
            <TableCell>{t('intake.coveredOrgs')}</TableCell>
            <TableCell>{t('intake.validUntil')}</TableCell>
            <TableCell>{t('common.status')}</TableCell>
            {kase.access.canManageConsent && <TableCell>{t('common.actions')}</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {(consents.data ?? []).map((c) => (
            <TableRow key={c.id}>
              <TableCell>{memberName(c.memberId)}</TableCell>
              <TableCell>{c.decision === 'given' ? t('intake.consentGiven') : t('intake.consentRefused')}</TableCell>
              <TableCell>
                <EraDate value={c.decidedOn} /> {t(`intake.${c.method}`)}
              </TableCell>
              <TableCell>{c.coversWholeTeam ? t('consent.wholeTeam') : c.coveredOrgs.map((o) => orgs.data?.find((x) => x.code === o)?.name ?? o).join('、')}</TableCell>
              <TableCell>
                <EraDate value={c.validUntil} />
              </TableCell>
              <TableCell>{c.inForce ? t('case.inForce') : c.withdrawnAt ? t('case.withdrawn') : c.supersededAt ? t('case.superseded') : '—'}</TableCell>
              {kase.access.canManageConsent && (
                <TableCell>
                  {c.inForce && c.decision === 'given' && (
                    <Button size="small" color="error" onClick={() => setWithdrawing({ id: c.id, reason: '' })}>
                      {t('case.withdrawConsent')}
                    </Button>
                  )}
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {withdrawing && (
        <Paper variant="outlined" sx={{ p: 2, mt: 2 }}>
          <ErrorAlert error={withdraw.error} />
          <TextField label={t('case.withdrawReason')} value={withdrawing.reason} onChange={(e) => setWithdrawing({ ...withdrawing, reason: e.target.value })} fullWidth required />
          <Box sx={{ mt: 1, display: 'flex', gap: 1 }}>
            <Button color="error" variant="contained" onClick={() => withdraw.mutate(withdrawing)} disabled={!withdrawing.reason}>
              {t('case.withdrawConsent')}
            </Button>
            <Button onClick={() => setWithdrawing(null)}>{t('common.cancel')}</Button>
          </Box>
        </Paper>
      )}
      {kase.access.canManageConsent && (
        <Paper
          component="form"
          variant="outlined"
          aria-label={t('case.recordConsent')}
          noValidate
          onSubmit={submitWith(() => record.mutate())}
          sx={{ p: 2, mt: 2 }}
        >
          <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
            {t('case.recordConsent')}
          </Typography>
          <ErrorAlert error={record.error} fields={fields} />
          <TextField select label={t('intake.name')} value={memberId} onChange={(e) => setMemberId(e.target.value)} sx={{ mb: 1.5, minWidth: 240 }}>
            {visible.map((m) => (
              <MenuItem key={m.id} value={String(m.id)}>
                {m.name} （{m.relationship}）
              </MenuItem>
            ))}
          </TextField>
          <ConsentFields value={draft} onChange={setDraft} prefix="" field={(n) => field(n.replace(/^\./, ''))} />
          <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={record.isPending || !draft.decision}>
            {t('case.recordConsent')}
          </Button>
        </Paper>
      )}
    </Box>
  );
}

/** Every change of the case's status, oldest first, with its reason and the deciding meeting. */
export function StatusHistory({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const history = kase.statusHistory ?? [];
  return (
    <Box component="section" aria-labelledby="status-history" sx={{ mt: 3 }}>
      <Typography id="status-history" variant="subtitle1" component="h3" sx={{ mb: 1 }}>
        {t('case.statusHistory')}
      </Typography>
      {history.length === 0 ? (
        <Typography color="text.secondary">{t('case.noStatusChanges')}</Typography>
      ) : (
        <Table size="small" aria-labelledby="status-history">
          <TableHead>
            <TableRow>
              <TableCell>{t('case.effectiveOn')}</TableCell>
              <TableCell>{t('case.status')}</TableCell>
              <TableCell>{t('common.reason')}</TableCell>
              <TableCell>{t('case.decidedAt')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {history.map((h, i) => (
              <TableRow key={i}>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  <EraDate value={h.effectiveOn} />
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {label('caseStatus', h.fromStatus)} → <strong>{label('caseStatus', h.toStatus, h.toStatusLabel)}</strong>
                </TableCell>
                <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{h.reason ?? ''}</TableCell>
                <TableCell>
                  {h.meetingId ? (
                    <Link component={RouterLink} to={`/meetings/${h.meetingId}`}>
                      {t('case.byMeeting', { id: h.meetingId })}
                    </Link>
                  ) : (
                    <EraDateTime value={h.at} />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}

/** The meetings the case was brought to (agenda items and their decisions) and its requests. */
export function CaseMeetings({ kase }: { kase: CaseOut }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const meetings = useQuery({
    queryKey: ['case', kase.id, 'meetings'],
    queryFn: () => call(api.GET('/cases/{case_id}/meetings', { params: { path: { case_id: kase.id } } })),
  });
  if (meetings.isPending) return <Loading />;
  if (meetings.error) return <ErrorAlert error={meetings.error} />;
  const rows = meetings.data ?? [];
  return (
    <Box component="section" aria-labelledby="case-meetings" sx={{ mb: 2 }}>
      <Typography id="case-meetings" variant="subtitle1" component="h3" sx={{ mb: 1 }}>
        {t('case.meetingsList')}
      </Typography>
      {rows.length === 0 ? (
        <Typography color="text.secondary">{t('case.noCaseMeetings')}</Typography>
      ) : (
        <Table size="small" aria-labelledby="case-meetings">
          <TableHead>
            <TableRow>
              <TableCell>{t('meetings.day')}</TableCell>
              <TableCell>{t('meetings.kind')}</TableCell>
              <TableCell>{t('case.purpose')}</TableCell>
              <TableCell>{t('common.status')}</TableCell>
              <TableCell>{t('meetings.decisions')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((m, i) => (
              <TableRow key={`${m.meetingId ?? 'r'}-${m.agendaItemId ?? m.requestId ?? i}`}>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {m.meetingId && m.day ? (
                    <Link component={RouterLink} to={`/meetings/${m.meetingId}`}>
                      <EraDate value={m.day} />
                    </Link>
                  ) : (
                    '—'
                  )}
                </TableCell>
                <TableCell>
                  {label('meetingKind', m.kind, m.kindLabel)}
                  {m.regular !== null && <Typography component="span" variant="caption" color="text.secondary">（{m.regular ? t('meetings.regular') : t('meetings.adHoc')}）</Typography>}
                </TableCell>
                <TableCell>{label('agendaPurpose', m.purpose, m.purposeLabel)}</TableCell>
                <TableCell>
                  {m.agendaItemId ? (
                    <Chip size="small" color="primary" variant="outlined" label={m.meetingStatus ? label('meetingStatus', m.meetingStatus) : t('case.onAgenda')} />
                  ) : (
                    m.requestStatus && <Chip size="small" label={label('requestStatus', m.requestStatus)} />
                  )}
                </TableCell>
                <TableCell>
                  {m.decisions.map((d) => (
                    <div key={d.id}>{label('decisionKind', d.kind, d.kindLabel)}</div>
                  ))}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}
