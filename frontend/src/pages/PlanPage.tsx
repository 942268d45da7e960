import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import { api, call, callTagged, type Tagged } from '../api';
import type { components } from '../api/schema';
import { ConflictDialog, EraDate, EraDateTime, ErrorAlert, Loading, Page, QueryView, submitWith, useFieldErrors, useLang } from '../components/common';
import { codeOptions } from '../components/options';
import { PARTICIPATION, useEnumLabel, useMe, useNamer, useOrganizations, useSupportFunctions, worksCases } from '../hooks';
import { formatDate, todayIso } from '../lib/dates';
import { mayWritePlans } from '../nav';

type PlanOut = components['schemas']['PlanOut'];
type GoalTerm = components['schemas']['GoalTerm'];

interface ItemDraft {
  content: string;
  responsibleOrg: string;
  isLead: boolean;
  frequency: string;
  startDate: string;
  endDate: string;
  function: string;
  partnerOrg: string;
}
interface PlanDraft {
  assessmentSummary: string;
  goals: { term: GoalTerm; text: string }[];
  items: ItemDraft[];
  monitoringEveryMonths: string;
  startDate: string;
  endDate: string;
  agreedOn: string;
  agreementMethod: '' | 'written' | 'oral';
}

const FIELDS = ['assessmentSummary', 'goals', 'goals.*', 'items', 'items.*', 'monitoringEveryMonths', 'startDate', 'endDate', 'agreedOn', 'agreementMethod', 'reason'];

function emptyItem(): ItemDraft {
  return { content: '', responsibleOrg: '', isLead: false, frequency: '', startDate: '', endDate: '', function: '', partnerOrg: '' };
}

function draftOf(p: PlanOut | null): PlanDraft {
  if (!p) return { assessmentSummary: '', goals: [{ term: 'long', text: '' }, { term: 'short', text: '' }], items: [emptyItem()], monitoringEveryMonths: '3', startDate: '', endDate: '', agreedOn: '', agreementMethod: '' };
  return {
    assessmentSummary: p.assessmentSummary,
    goals: p.goals.map((g) => ({ term: g.term, text: g.text })),
    items: p.items.map((i) => ({ content: i.content, responsibleOrg: i.responsibleOrg, isLead: i.isLead, frequency: i.frequency ?? '', startDate: i.startDate ?? '', endDate: i.endDate ?? '', function: i.function ?? '', partnerOrg: i.partnerOrg ?? '' })),
    monitoringEveryMonths: p.monitoringEveryMonths ? String(p.monitoringEveryMonths) : '',
    startDate: p.startDate ?? '',
    endDate: p.endDate ?? '',
    agreedOn: p.agreedOn ?? '',
    agreementMethod: p.agreementMethod ?? '',
  };
}

function bodyOf(d: PlanDraft) {
  return {
    assessmentSummary: d.assessmentSummary,
    goals: d.goals.filter((g) => g.text.trim() !== ''),
    items: d.items
      .filter((i) => i.content.trim() !== '' || i.responsibleOrg)
      .map((i) => ({
        content: i.content,
        responsibleOrg: i.responsibleOrg,
        isLead: i.isLead,
        frequency: i.frequency || null,
        startDate: i.startDate || null,
        endDate: i.endDate || null,
        function: i.function || null,
        // A partner business (協力事業所) belongs to a 参加支援 item only.
        partnerOrg: i.function === PARTICIPATION ? i.partnerOrg || null : null,
      })),
    monitoringEveryMonths: Number(d.monitoringEveryMonths),
    startDate: d.startDate || null,
    endDate: d.endDate || null,
    agreedOn: d.agreedOn || null,
    agreementMethod: d.agreementMethod || null,
  };
}

export default function PlanPage() {
  const { planId, caseId } = useParams();
  if (planId) return <ExistingPlan id={Number(planId)} />;
  return <NewPlan caseId={Number(caseId)} />;
}

function NewPlan({ caseId }: { caseId: number }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(draftOf(null));
  const create = useMutation({
    mutationFn: () => call(api.POST('/cases/{case_id}/plans', { params: { path: { case_id: caseId } }, body: bodyOf(draft) })),
    onSuccess: (plan) => {
      void queryClient.invalidateQueries({ queryKey: ['case', caseId] });
      navigate(`/plans/${plan.id}`, { replace: true, state: { created: true } });
    },
  });
  return (
    <Page title={t('plans.newTitle')}>
      <form
        noValidate
        aria-label={t('plans.newTitle')}
        onSubmit={submitWith(() => create.mutate())}
      >
        <ErrorAlert error={create.error} fields={FIELDS} />
        <PlanEditor draft={draft} onChange={setDraft} error={create.error} />
        <Button type="submit" variant="contained" disabled={create.isPending}>
          {t('plans.create')}
        </Button>
      </form>
    </Page>
  );
}

function PlanEditor({ draft, onChange, error, readOnly }: { draft: PlanDraft; onChange: (d: PlanDraft) => void; error: unknown; readOnly?: boolean }) {
  const { t } = useTranslation();
  const orgs = useOrganizations();
  const functions = useSupportFunctions();
  const name = useNamer();
  const { field } = useFieldErrors(error, FIELDS);
  const set = (patch: Partial<PlanDraft>) => onChange({ ...draft, ...patch });
  const ro = { slotProps: { input: { readOnly } } };
  const grid = { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))', gap: 1.5, alignItems: 'start' } as const;
  return (
    <Box>
      <Paper sx={{ p: 2, mb: 2 }}>
        <TextField label={t('plans.assessment')} value={draft.assessmentSummary} onChange={(e) => set({ assessmentSummary: e.target.value })} fullWidth multiline minRows={3} required {...ro} {...field('assessmentSummary')} />
        <Box sx={{ ...grid, mt: 1.5 }}>
          <TextField type="number" label={t('plans.monitoringEvery')} value={draft.monitoringEveryMonths} onChange={(e) => set({ monitoringEveryMonths: e.target.value })} required slotProps={{ htmlInput: { min: 1, max: 12 }, input: { readOnly } }} {...field('monitoringEveryMonths')} />
          <TextField type="date" label={t('plans.startDate')} value={draft.startDate} onChange={(e) => set({ startDate: e.target.value })} slotProps={{ inputLabel: { shrink: true }, input: { readOnly } }} {...field('startDate')} />
          <TextField type="date" label={t('plans.endDate')} value={draft.endDate} onChange={(e) => set({ endDate: e.target.value })} slotProps={{ inputLabel: { shrink: true }, input: { readOnly } }} {...field('endDate')} />
          <TextField type="date" label={t('plans.agreedOn')} value={draft.agreedOn} onChange={(e) => set({ agreedOn: e.target.value })} slotProps={{ inputLabel: { shrink: true }, input: { readOnly } }} {...field('agreedOn')} />
          <TextField select label={t('plans.agreementMethod')} value={draft.agreementMethod} onChange={(e) => set({ agreementMethod: e.target.value as PlanDraft['agreementMethod'] })} disabled={readOnly} {...field('agreementMethod')}>
            <MenuItem value="">—</MenuItem>
            <MenuItem value="written">{t('intake.written')}</MenuItem>
            <MenuItem value="oral">{t('intake.oral')}</MenuItem>
          </TextField>
        </Box>
      </Paper>
      <Paper sx={{ p: 2, mb: 2 }} component="fieldset">
        <Typography component="legend" variant="h6">
          {t('plans.goals')}
        </Typography>
        {field('goals').error && <Typography color="error" role="alert">{field('goals').helperText}</Typography>}
        {draft.goals.map((g, i) => (
          <Box key={i} sx={{ display: 'grid', gridTemplateColumns: '140px 1fr auto', gap: 1.5, mb: 1 }}>
            <TextField select label={t('plans.term')} value={g.term} disabled={readOnly} onChange={(e) => set({ goals: draft.goals.map((x, j) => (j === i ? { ...x, term: e.target.value as GoalTerm } : x)) })}>
              <MenuItem value="long">{t('plans.long')}</MenuItem>
              <MenuItem value="short">{t('plans.short')}</MenuItem>
            </TextField>
            <TextField label={`${t('plans.text')} ${i + 1}`} value={g.text} onChange={(e) => set({ goals: draft.goals.map((x, j) => (j === i ? { ...x, text: e.target.value } : x)) })} multiline {...ro} {...field(`goals.${i}.text`)} />
            {!readOnly && (
              <Button color="error" onClick={() => set({ goals: draft.goals.filter((_, j) => j !== i) })}>
                {t('common.remove')}
              </Button>
            )}
          </Box>
        ))}
        {!readOnly && <Button onClick={() => set({ goals: [...draft.goals, { term: 'short', text: '' }] })}>{t('plans.addGoal')}</Button>}
      </Paper>
      <Paper sx={{ p: 2, mb: 2 }} component="fieldset">
        <Typography component="legend" variant="h6">
          {t('plans.items')}
        </Typography>
        {field('items').error && <Typography color="error" role="alert">{field('items').helperText}</Typography>}
        {draft.items.map((it, i) => {
          const setItem = (patch: Partial<ItemDraft>) => set({ items: draft.items.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
          return (
            <Box key={i} sx={{ borderBottom: 1, borderColor: 'divider', pb: 1.5, mb: 1.5 }}>
              <TextField label={`${t('plans.content')} ${i + 1}`} value={it.content} onChange={(e) => setItem({ content: e.target.value })} fullWidth multiline {...ro} {...field(`items.${i}.content`)} />
              <Box sx={{ ...grid, mt: 1 }}>
                <TextField select label={t('plans.responsibleOrg')} value={it.responsibleOrg} onChange={(e) => setItem({ responsibleOrg: e.target.value })} disabled={readOnly} {...field(`items.${i}.responsibleOrg`)}>
                  {codeOptions((orgs.data ?? []).filter((o) => (o.active && worksCases(o)) || o.code === it.responsibleOrg), (o) => o.name)}
                </TextField>
                <TextField label={t('plans.frequency')} value={it.frequency} onChange={(e) => setItem({ frequency: e.target.value })} {...ro} {...field(`items.${i}.frequency`)} />
                <TextField select label={t('plans.function')} value={it.function} onChange={(e) => setItem({ function: e.target.value })} disabled={readOnly} {...field(`items.${i}.function`)}>
                  {codeOptions(functions.data ?? [], (f) => <>{f.articleItem} {name(functions.data, f.code)}</>, true)}
                </TextField>
                {(it.function === PARTICIPATION || it.partnerOrg) && (
                  <TextField
                    select
                    label={t('plans.partnerOrg')}
                    value={it.partnerOrg}
                    onChange={(e) => setItem({ partnerOrg: e.target.value })}
                    disabled={readOnly}
                    {...field(`items.${i}.partnerOrg`, t('plans.partnerOrgHelp'))}
                  >
                    {codeOptions((orgs.data ?? []).filter((o) => o.kind === 'partner' && (o.active || o.code === it.partnerOrg)), (o) => o.name, true)}
                  </TextField>
                )}
                <TextField type="date" label={t('plans.startDate')} value={it.startDate} onChange={(e) => setItem({ startDate: e.target.value })} slotProps={{ inputLabel: { shrink: true }, input: { readOnly } }} {...field(`items.${i}.startDate`)} />
                <TextField type="date" label={t('plans.endDate')} value={it.endDate} onChange={(e) => setItem({ endDate: e.target.value })} slotProps={{ inputLabel: { shrink: true }, input: { readOnly } }} {...field(`items.${i}.endDate`)} />
                <FormControlLabel control={<Checkbox checked={it.isLead} disabled={readOnly} onChange={(e) => setItem({ isLead: e.target.checked })} />} label={t('plans.isLead')} />
              </Box>
              {!readOnly && (
                <Button color="error" onClick={() => set({ items: draft.items.filter((_, j) => j !== i) })}>
                  {t('common.remove')}
                </Button>
              )}
            </Box>
          );
        })}
        {!readOnly && <Button onClick={() => set({ items: [...draft.items, emptyItem()] })}>{t('plans.addItem')}</Button>}
      </Paper>
    </Box>
  );
}

function ExistingPlan({ id }: { id: number }) {
  const query = useQuery({ queryKey: ['plan', id], queryFn: () => callTagged(api.GET('/plans/{plan_id}', { params: { path: { plan_id: id } } })) });
  return <QueryView query={query}>{(tagged) => <PlanView key={tagged.data.id} tagged={tagged} reload={() => query.refetch()} />}</QueryView>;
}

function PlanView({ tagged, reload }: { tagged: Tagged<PlanOut>; reload: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const navigate = useNavigate();
  const me = useMe();
  const queryClient = useQueryClient();
  const plan = tagged.data;
  const writer = plan.access.canWrite && (me.data ? mayWritePlans(me.data) : false);
  const editable = writer && plan.status === 'draft';
  const revisable = writer && ['approved', 'monitoring', 'evaluated'].includes(plan.status);
  const [draft, setDraft] = useState(draftOf(plan));
  const [revising, setRevising] = useState(false);
  const [reason, setReason] = useState('');
  const etag = () => ((queryClient.getQueryData(['plan', plan.id]) as Tagged<PlanOut> | undefined) ?? tagged).etag;
  const settle = (next: Tagged<PlanOut>) => {
    queryClient.setQueryData(['plan', plan.id], next);
    void queryClient.invalidateQueries({ queryKey: ['case', plan.caseId, 'plans'] });
    void queryClient.invalidateQueries({ queryKey: ['plans'] });
  };
  const header = () => ({ path: { plan_id: plan.id }, header: { 'if-match': etag() } });
  const save = useMutation({ mutationFn: () => callTagged(api.PATCH('/plans/{plan_id}', { params: header(), body: bodyOf(draft) })), onSuccess: settle });
  const propose = useMutation({ mutationFn: () => callTagged(api.POST('/plans/{plan_id}/propose', { params: header() })), onSuccess: settle });
  const unpropose = useMutation({ mutationFn: () => callTagged(api.POST('/plans/{plan_id}/withdraw-proposal', { params: header() })), onSuccess: settle });
  const revise = useMutation({
    mutationFn: () => call(api.POST('/plans/{plan_id}/revise', { params: header(), body: { ...bodyOf(draft), reason } })),
    onSuccess: (next) => {
      void queryClient.invalidateQueries({ queryKey: ['plan', plan.id] });
      void queryClient.invalidateQueries({ queryKey: ['case', plan.caseId, 'plans'] });
      setRevising(false);
      navigate(`/plans/${next.id}`);
    },
  });
  const error = save.error ?? propose.error ?? unpropose.error ?? revise.error;
  const reviseErrors = useFieldErrors(revise.error, ['reason']);
  const stale = (error as { isStale?: boolean } | null)?.isStale;

  return (
    <Page
      title={t('plans.title', { n: plan.versionNumber })}
      actions={
        <>
          <Chip color="primary" label={label('planStatus', plan.status, plan.statusLabel)} data-testid="plan-status" />
          <Button component={RouterLink} to={`/cases/${plan.caseId}`} variant="text">
            {t('common.back')}
          </Button>
        </>
      }
    >
      <ConflictDialog error={error} onReload={reload} />
      {!stale && <ErrorAlert error={error} fields={FIELDS} />}
      {plan.approvedMeetingId && (
        <Alert severity="success" sx={{ mb: 2 }}>
          {t('plans.approvedAt', { id: plan.approvedMeetingId })}
          {plan.nextMonitoringDate && (
            <>
              {' '}
              ・ {t('plans.nextMonitoring')}: <EraDate value={plan.nextMonitoringDate} />
            </>
          )}
        </Alert>
      )}
      {(plan.statusReason || (plan.statusChangedAt && plan.status !== 'draft')) && (
        <Alert severity={plan.status === 'closed' || plan.status === 'suspended' ? 'warning' : 'info'} sx={{ mb: 2 }} data-testid="plan-status-reason">
          {t('plans.statusChanged', { status: label('planStatus', plan.status, plan.statusLabel) })}
          {plan.statusChangedAt && (
            <>
              {' '}
              <EraDateTime value={plan.statusChangedAt} />
            </>
          )}
          {plan.statusReason && (
            <>
              {' '}
              ・ {t('common.reason')}: <span style={{ whiteSpace: 'pre-wrap' }}>{plan.statusReason}</span>
            </>
          )}
        </Alert>
      )}
      {!writer && plan.status === 'draft' && <Alert severity="info" sx={{ mb: 2 }}>{t('plans.readOnly')}</Alert>}
      <form
        noValidate
        aria-label={t('plans.title', { n: plan.versionNumber })}
        onSubmit={submitWith(() => (revising ? revise.mutate() : save.mutate()))}
      >
        <PlanEditor draft={draft} onChange={setDraft} error={error} readOnly={!(editable || revising)} />
        {revising && <TextField label={t('plans.reviseReason')} value={reason} onChange={(e) => setReason(e.target.value)} fullWidth required sx={{ mb: 2 }} {...reviseErrors.field('reason')} />}
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 3 }}>
          {editable && (
            <>
              <Button type="submit" variant="outlined" disabled={save.isPending}>
                {t('plans.save')}
              </Button>
              <Button variant="contained" onClick={() => propose.mutate()} disabled={propose.isPending}>
                {t('plans.propose')}
              </Button>
            </>
          )}
          {writer && plan.status === 'proposed' && <Button onClick={() => unpropose.mutate()}>{t('plans.withdrawProposal')}</Button>}
          {revisable && !revising && <Button onClick={() => setRevising(true)}>{t('plans.revise')}</Button>}
          {revising && (
            <>
              <Button type="submit" variant="contained" disabled={revise.isPending || !reason}>
                {t('plans.revise')}
              </Button>
              <Button
                onClick={() => {
                  setRevising(false);
                  setDraft(draftOf(plan));
                }}
              >
                {t('common.cancel')}
              </Button>
            </>
          )}
        </Box>
      </form>
      <Monitoring plan={plan} settle={settle} />
      {writer && plan.status === 'monitoring' && <Evaluation plan={plan} etag={etag} settle={settle} reload={reload} />}
      <Compare plan={plan} />
    </Page>
  );
}

function Monitoring({ plan, settle }: { plan: PlanOut; settle: (t: Tagged<PlanOut>) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState({ monitoredOn: todayIso(), content: '' });
  const add = useMutation({
    mutationFn: async () => {
      await call(api.POST('/plans/{plan_id}/monitoring-records', { params: { path: { plan_id: plan.id } }, body: draft }));
      return callTagged(api.GET('/plans/{plan_id}', { params: { path: { plan_id: plan.id } } }));
    },
    onSuccess: (next) => {
      setDraft({ monitoredOn: todayIso(), content: '' });
      settle(next);
    },
  });
  const { field } = useFieldErrors(add.error, ['monitoredOn', 'content']);
  return (
    <Paper sx={{ p: 2, mb: 2 }} component="section" aria-labelledby="monitoring-title">
      <Typography id="monitoring-title" variant="h6" component="h2">
        {t('plans.monitoring')}
      </Typography>
      {plan.nextMonitoringDate && (
        <Typography sx={{ mb: 1 }}>
          {t('plans.nextMonitoring')}: <EraDate value={plan.nextMonitoringDate} /> {plan.monitoringState && <Chip size="small" color={plan.monitoringState === 'overdue' ? 'error' : 'warning'} label={t(`plans.state_${plan.monitoringState}`)} />}
        </Typography>
      )}
      <Table size="small" aria-label={t('plans.monitoring')}>
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: 180 }}>{t('plans.monitoredOn')}</TableCell>
            <TableCell>{t('plans.content')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {plan.monitoringRecords.map((r) => (
            <TableRow key={r.id}>
              <TableCell>
                <EraDate value={r.monitoredOn} />
              </TableCell>
              <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{r.content}</TableCell>
            </TableRow>
          ))}
          {plan.monitoringRecords.length === 0 && (
            <TableRow>
              <TableCell colSpan={2}>{t('common.none')}</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
      {plan.access.canRecordMonitoring && (
        <Box
          component="form"
          noValidate
          aria-label={t('plans.addMonitoring')}
          onSubmit={submitWith(() => add.mutate())}
          sx={{ mt: 2 }}
        >
          <ErrorAlert error={add.error} fields={['monitoredOn', 'content']} />
          <Box sx={{ display: 'grid', gridTemplateColumns: '200px 1fr auto', gap: 1.5, alignItems: 'start' }}>
            <TextField type="date" label={t('plans.monitoredOn')} value={draft.monitoredOn} onChange={(e) => setDraft({ ...draft, monitoredOn: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field('monitoredOn')} />
            <TextField label={t('plans.content')} value={draft.content} onChange={(e) => setDraft({ ...draft, content: e.target.value })} multiline required {...field('content')} />
            <Button type="submit" variant="contained" disabled={add.isPending}>
              {t('plans.addMonitoring')}
            </Button>
          </Box>
        </Box>
      )}
    </Paper>
  );
}

function Evaluation({ plan, etag, settle, reload }: { plan: PlanOut; etag: () => string; settle: (t: Tagged<PlanOut>) => void; reload: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const [goals, setGoals] = useState(plan.goals.map((g) => ({ goalId: g.id, achievement: 'partly' as components['schemas']['Achievement'], comment: '' })));
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const evaluate = useMutation({ mutationFn: () => callTagged(api.POST('/plans/{plan_id}/evaluation', { params: { path: { plan_id: plan.id }, header: { 'if-match': etag() } }, body: { goals: goals.map((g) => ({ ...g, comment: g.comment || null })), comment } })), onSuccess: settle });
  const end = useMutation({
    mutationFn: (kind: 'close' | 'suspend') => callTagged(api.POST(kind === 'close' ? '/plans/{plan_id}/close' : '/plans/{plan_id}/suspend', { params: { path: { plan_id: plan.id }, header: { 'if-match': etag() } }, body: { reason } })),
    onSuccess: settle,
  });
  const error = evaluate.error ?? end.error;
  return (
    <Paper sx={{ p: 2, mb: 2 }} component="section" aria-labelledby="evaluation-title">
      <Typography id="evaluation-title" variant="h6" component="h2" sx={{ mb: 1 }}>
        {t('plans.evaluation')}
      </Typography>
      <ConflictDialog error={error} onReload={reload} />
      <ErrorAlert error={error} fields={['comment']} />
      {plan.goals.map((g, i) => (
        <Box key={g.id} sx={{ display: 'grid', gridTemplateColumns: '1fr 160px 1fr', gap: 1.5, mb: 1, alignItems: 'center' }}>
          <Typography>
            {t(`plans.${g.term}`)}: {g.text}
          </Typography>
          <TextField select label={t('plans.achievement')} value={goals[i].achievement} onChange={(e) => setGoals(goals.map((x, j) => (j === i ? { ...x, achievement: e.target.value as components['schemas']['Achievement'] } : x)))}>
            <MenuItem value="achieved">{t('plans.achieved')}</MenuItem>
            <MenuItem value="partly">{t('plans.partly')}</MenuItem>
            <MenuItem value="not_achieved">{t('plans.not_achieved')}</MenuItem>
          </TextField>
          <TextField label={t('common.note')} value={goals[i].comment} onChange={(e) => setGoals(goals.map((x, j) => (j === i ? { ...x, comment: e.target.value } : x)))} />
        </Box>
      ))}
      <TextField label={t('plans.evaluationComment')} value={comment} onChange={(e) => setComment(e.target.value)} fullWidth multiline sx={{ my: 1 }} />
      <Button variant="contained" onClick={() => evaluate.mutate()} disabled={!comment || evaluate.isPending}>
        {t('plans.evaluate')}
      </Button>
      <Box sx={{ display: 'flex', gap: 1, mt: 2, alignItems: 'center' }}>
        <TextField label={t('common.reason')} value={reason} onChange={(e) => setReason(e.target.value)} sx={{ flexGrow: 1 }} />
        <Button color="secondary" onClick={() => end.mutate('suspend')} disabled={!reason}>
          {t('plans.suspend')}
        </Button>
        <Button color="error" onClick={() => end.mutate('close')} disabled={!reason}>
          {t('plans.close')}
        </Button>
      </Box>
    </Paper>
  );
}

/** Two versions of the plan side by side, differing rows marked. */
function Compare({ plan }: { plan: PlanOut }) {
  const { t } = useTranslation();
  const lang = useLang();
  const label = useEnumLabel();
  const versions = useQuery({ queryKey: ['case', plan.caseId, 'plans'], queryFn: () => call(api.GET('/cases/{case_id}/plans', { params: { path: { case_id: plan.caseId } } })) });
  const others = (versions.data ?? []).filter((v) => v.id !== plan.id);
  const [otherId, setOtherId] = useState<number | null>(null);
  const chosen = otherId ?? plan.previousPlanId ?? others[0]?.id ?? null;
  const other = useQuery({ queryKey: ['plan', chosen], queryFn: () => callTagged(api.GET('/plans/{plan_id}', { params: { path: { plan_id: chosen! } } })), enabled: chosen !== null });
  const describe = (p: PlanOut) => [
    [t('common.status'), label('planStatus', p.status, p.statusLabel)],
    [t('plans.assessment'), p.assessmentSummary],
    [t('plans.goals'), p.goals.map((g) => `【${t(`plans.${g.term}`)}】${g.text}`).join('\n')],
    [t('plans.items'), p.items.map((i) => `${i.content}（${i.responsibleOrgName}${i.isLead ? '・' + t('plans.isLead') : ''}${i.frequency ? '・' + i.frequency : ''}）`).join('\n')],
    [t('plans.monitoringEvery'), String(p.monitoringEveryMonths ?? '')],
    [`${t('plans.startDate')}〜${t('plans.endDate')}`, `${formatDate(p.startDate, lang)}〜${formatDate(p.endDate, lang)}`],
    [t('plans.agreedOn'), formatDate(p.agreedOn, lang)],
  ];
  return (
    <Paper sx={{ p: 2 }} component="section" aria-labelledby="compare-title">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', mb: 1 }}>
        <Typography id="compare-title" variant="h6" component="h2">
          {t('plans.compare')}
        </Typography>
        {others.length > 0 && (
          <TextField select label={t('plans.compareWith')} value={chosen ?? ''} onChange={(e) => setOtherId(Number(e.target.value))} sx={{ minWidth: 200 }}>
            {others.map((v) => (
              <MenuItem key={v.id} value={v.id}>
                {t('case.planVersion', { n: v.versionNumber })}（{label('planStatus', v.status, v.statusLabel)}）
              </MenuItem>
            ))}
          </TextField>
        )}
      </Box>
      {others.length === 0 ? (
        <Typography color="text.secondary">{t('plans.noOther')}</Typography>
      ) : other.isPending ? (
        <Loading />
      ) : other.data ? (
        <Table size="small" className="compare" aria-label={t('plans.compare')}>
          <TableHead>
            <TableRow>
              <TableCell sx={{ width: 160 }} />
              <TableCell>{t('case.planVersion', { n: other.data.data.versionNumber })}</TableCell>
              <TableCell>{t('case.planVersion', { n: plan.versionNumber })}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {describe(other.data.data).map(([k, left], i) => {
              const right = describe(plan)[i][1];
              const changed = left !== right;
              return (
                <TableRow key={k} className={changed ? 'changed' : undefined}>
                  <TableCell component="th" scope="row">
                    {k} {changed && <Chip size="small" label={t('plans.changed')} />}
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{left}</TableCell>
                  <TableCell sx={{ whiteSpace: 'pre-wrap' }}>{right}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      ) : (
        <ErrorAlert error={other.error} />
      )}
    </Paper>
  );
}
