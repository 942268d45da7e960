import { useState } from 'react';
import { useLocation, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call, callTagged, type Tagged } from '../api';
import type { components } from '../api/schema';
import { ConflictDialog, EraDate, ErrorAlert, Page, QueryView, submitWith, useFieldErrors } from '../components/common';
import { codeOptions } from '../components/options';
import { useCodeList, useEnumLabel, useNamer, useOrganizations, useTowns, worksCases } from '../hooks';
import { ConsentBanner } from './case/ConsentBanner';
import { CaseMeetings, Consents, Household, MeetingRequest, Plans, Referrals, StatusHistory, Team, Timeline } from './case/sections';

type CaseOut = components['schemas']['CaseOut'];
type CaseStatus = components['schemas']['CaseStatus'];
const STATUSES: CaseStatus[] = ['received', 'screening', 'assessment', 'in_support', 'monitoring', 'closed', 'suspended'];
const TABS = ['household', 'timeline', 'team', 'referrals', 'plans', 'meetings', 'consents'] as const;

export function useCase(caseId: number) {
  return useQuery({
    queryKey: ['case', caseId],
    queryFn: () => callTagged(api.GET('/cases/{case_id}', { params: { path: { case_id: caseId } } })),
  });
}

export default function CasePage() {
  const { caseId } = useParams();
  const id = Number(caseId);
  const query = useCase(id);
  return <QueryView query={query}>{(tagged) => <CaseView tagged={tagged} refetch={() => query.refetch()} />}</QueryView>;
}

function CaseView({ tagged, refetch }: { tagged: Tagged<CaseOut>; refetch: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const name = useNamer();
  const location = useLocation();
  const towns = useTowns();
  const orgs = useOrganizations();
  const routes = useCodeList('intake_route');
  const queryClient = useQueryClient();
  const kase = tagged.data;
  const [tab, setTab] = useState<(typeof TABS)[number]>('household');
  const [editing, setEditing] = useState(false);
  const consents = useQuery({ queryKey: ['case', kase.id, 'consents'], queryFn: () => call(api.GET('/cases/{case_id}/consents', { params: { path: { case_id: kase.id } } })) });
  const main = kase.members.find((m) => m.isMain);
  const created = (location.state as { created?: string } | null)?.created;
  const changed = () => {
    void queryClient.invalidateQueries({ queryKey: ['case', kase.id] });
  };

  return (
    <Page
      title={t('case.title', { number: kase.number })}
      actions={
        <>
          <Chip color="primary" label={label('caseStatus', kase.status, kase.statusLabel)} data-testid="case-status" />
          {kase.access.canEdit && (
            <Button variant="outlined" onClick={() => setEditing(true)}>
              {t('case.edit')}
            </Button>
          )}
        </>
      }
    >
      {created && <Alert severity="success" sx={{ mb: 2 }}>{t('intake.created', { number: created })}</Alert>}
      <ConsentBanner kase={kase} consents={consents.data} />
      <Paper sx={{ p: 2, mb: 2 }}>
        <Typography variant="h6" component="h2">
          {main?.name ?? main?.relationship} {main?.nameKana && <Typography component="span" variant="body2" color="text.secondary">（{main.nameKana}）</Typography>}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {t('cases.intakeDate')}: <EraDate value={kase.intakeDate} />（{name(routes.data, kase.intakeRoute)}） ・ {kase.townName ?? name(towns.data, kase.town)} {kase.addressDetail} ・ {t('case.lead')}: {name(orgs.data, kase.leadOrg) || '—'} ・ {t('case.openedBy')}: {name(orgs.data, kase.openedByOrg) || '—'}
        </Typography>
        <Typography sx={{ whiteSpace: 'pre-wrap' }}>{kase.mainComplaint}</Typography>
        <Box sx={{ mt: 1, display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
          {kase.categories.map((c) => (
            <Chip key={c.code} size="small" variant={c.primary ? 'filled' : 'outlined'} label={c.name} />
          ))}
        </Box>
      </Paper>
      <Tabs value={tab} onChange={(_, v) => setTab(v)} variant="scrollable" aria-label={t('case.title', { number: kase.number })} sx={{ mb: 2, borderBottom: 1, borderColor: 'divider' }}>
        {TABS.map((k) => (
          <Tab key={k} value={k} label={t(`case.${k}`)} id={`tab-${k}`} aria-controls={`panel-${k}`} />
        ))}
      </Tabs>
      <Box role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'household' && (
          <>
            <Household kase={kase} />
            <StatusHistory kase={kase} />
          </>
        )}
        {tab === 'timeline' && <Timeline kase={kase} />}
        {tab === 'team' && <Team kase={kase} onChanged={changed} />}
        {tab === 'referrals' && <Referrals kase={kase} />}
        {tab === 'plans' && <Plans kase={kase} />}
        {tab === 'meetings' && (
          <>
            <CaseMeetings kase={kase} />
            <MeetingRequest kase={kase} />
          </>
        )}
        {tab === 'consents' && <Consents kase={kase} onChanged={changed} />}
      </Box>
      {editing && <EditCaseDialog tagged={tagged} refetch={refetch} onClose={() => setEditing(false)} />}
    </Page>
  );
}

const EDIT_FIELDS = ['mainComplaint', 'town', 'addressDetail', 'leadOrg', 'status', 'reason'];

/** Edits with If-Match: a 412 keeps the input and offers to reload the case's current version. */
function EditCaseDialog({ tagged, refetch, onClose }: { tagged: Tagged<CaseOut>; refetch: () => Promise<unknown>; onClose: () => void }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const towns = useTowns();
  const orgs = useOrganizations();
  const queryClient = useQueryClient();
  const kase = tagged.data;
  const [draft, setDraft] = useState({ mainComplaint: kase.mainComplaint, town: kase.town ?? '', addressDetail: kase.addressDetail ?? '', leadOrg: kase.leadOrg ?? '', status: kase.status, reason: '' });
  const save = useMutation({
    mutationFn: async () => {
      // The ETag is read at submit time: after a reload it is the current one.
      let current = (queryClient.getQueryData(['case', kase.id]) as Tagged<CaseOut> | undefined) ?? tagged;
      const patch: components['schemas']['CaseUpdate'] = {};
      if (draft.mainComplaint !== current.data.mainComplaint) patch.mainComplaint = draft.mainComplaint;
      if (draft.town !== (current.data.town ?? '')) patch.town = draft.town || null;
      if (draft.addressDetail !== (current.data.addressDetail ?? '')) patch.addressDetail = draft.addressDetail || null;
      if (draft.leadOrg !== (current.data.leadOrg ?? '')) patch.leadOrg = draft.leadOrg || null;
      if (Object.keys(patch).length > 0) {
        current = await callTagged(api.PATCH('/cases/{case_id}', { params: { path: { case_id: kase.id }, header: { 'if-match': current.etag } }, body: patch }));
        queryClient.setQueryData(['case', kase.id], current);
      }
      if (draft.status !== current.data.status) {
        current = await callTagged(api.POST('/cases/{case_id}/status', { params: { path: { case_id: kase.id }, header: { 'if-match': current.etag } }, body: { status: draft.status, reason: draft.reason || null } }));
        queryClient.setQueryData(['case', kase.id], current);
      }
      return current;
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['cases'] });
      onClose();
    },
  });
  const { field } = useFieldErrors(save.error, EDIT_FIELDS);
  const submit = submitWith(() => save.mutate());
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="edit-case-title">
      <form onSubmit={submit} noValidate>
        <DialogTitle id="edit-case-title">{t('case.edit')}</DialogTitle>
        <DialogContent>
          <ConflictDialog error={save.error} onReload={refetch} />
          {!(save.error as { isStale?: boolean } | null)?.isStale && <ErrorAlert error={save.error} fields={EDIT_FIELDS} />}
          <TextField label={t('intake.mainComplaint')} value={draft.mainComplaint} onChange={(e) => setDraft({ ...draft, mainComplaint: e.target.value })} fullWidth multiline minRows={3} margin="dense" {...field('mainComplaint')} />
          <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 1.5, mt: 1 }}>
            <TextField select label={t('intake.town')} value={draft.town} onChange={(e) => setDraft({ ...draft, town: e.target.value })} {...field('town')}>
              {codeOptions(towns.data ?? [], (tw) => tw.name, true)}
            </TextField>
            <TextField label={t('intake.addressDetail')} value={draft.addressDetail} onChange={(e) => setDraft({ ...draft, addressDetail: e.target.value })} {...field('addressDetail')} />
            <TextField select label={t('intake.leadOrg')} value={draft.leadOrg} onChange={(e) => setDraft({ ...draft, leadOrg: e.target.value })} {...field('leadOrg')}>
              {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name, true)}
            </TextField>
            <TextField select label={t('case.status')} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value as CaseStatus })} {...field('status')}>
              {STATUSES.map((s) => (
                <MenuItem key={s} value={s}>
                  {label('caseStatus', s)}
                </MenuItem>
              ))}
            </TextField>
            {draft.status !== kase.status && <TextField label={t('case.statusReason')} value={draft.reason} onChange={(e) => setDraft({ ...draft, reason: e.target.value })} {...field('reason')} />}
          </Box>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={save.isPending}>
            {t('common.save')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
