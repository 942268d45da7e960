import { useTranslation } from 'react-i18next';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { components } from '../api/schema';
import { useOrganizations, worksCases } from '../hooks';

export interface ConsentDraft {
  decision: '' | 'given' | 'refused';
  decidedOn: string;
  method: 'written' | 'oral';
  givenBy: 'self' | 'guardian';
  guardianName: string;
  coversWholeTeam: boolean;
  coveredOrgs: string[];
  validUntil: string;
  reason: string;
}

export function emptyConsent(today: string): ConsentDraft {
  return { decision: '', decidedOn: today, method: 'written', givenBy: 'self', guardianName: '', coversWholeTeam: true, coveredOrgs: [], validUntil: '', reason: '' };
}

/** The request body of a consent draft; null when nothing is to be recorded. */
export function consentBody(d: ConsentDraft): components['schemas']['ConsentIn'] | null {
  if (!d.decision) return null;
  return {
    decision: d.decision,
    decidedOn: d.decidedOn,
    method: d.method,
    givenBy: d.givenBy,
    guardianName: d.givenBy === 'guardian' ? d.guardianName || null : null,
    coversWholeTeam: d.decision === 'given' ? d.coversWholeTeam : false,
    coveredOrgs: d.decision === 'given' && !d.coversWholeTeam ? d.coveredOrgs : [],
    validUntil: d.decision === 'given' ? d.validUntil || null : null,
    reason: d.reason || null,
  };
}

/** Consent of one member: the decision, how and by whom, and with whom it may be shared until when. */
export function ConsentFields({ value, onChange, prefix, field }: { value: ConsentDraft; onChange: (v: ConsentDraft) => void; prefix: string; field: (name: string) => { error: boolean; helperText?: React.ReactNode } }) {
  const { t } = useTranslation();
  const orgs = useOrganizations();
  const set = (patch: Partial<ConsentDraft>) => onChange({ ...value, ...patch });
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: 1.5, alignItems: 'start' }}>
      <TextField select label={t('intake.consent')} value={value.decision} onChange={(e) => set({ decision: e.target.value as ConsentDraft['decision'] })} {...field(`${prefix}.decision`)}>
        <MenuItem value="">{t('intake.consentNone')}</MenuItem>
        <MenuItem value="given">{t('intake.consentGiven')}</MenuItem>
        <MenuItem value="refused">{t('intake.consentRefused')}</MenuItem>
      </TextField>
      {value.decision && (
        <>
          <TextField type="date" label={t('intake.decidedOn')} value={value.decidedOn} onChange={(e) => set({ decidedOn: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} required {...field(`${prefix}.decidedOn`)} />
          <TextField select label={t('intake.method')} value={value.method} onChange={(e) => set({ method: e.target.value as ConsentDraft['method'] })} {...field(`${prefix}.method`)}>
            <MenuItem value="written">{t('intake.written')}</MenuItem>
            <MenuItem value="oral">{t('intake.oral')}</MenuItem>
          </TextField>
          <TextField select label={t('intake.givenBy')} value={value.givenBy} onChange={(e) => set({ givenBy: e.target.value as ConsentDraft['givenBy'] })} {...field(`${prefix}.givenBy`)}>
            <MenuItem value="self">{t('intake.self')}</MenuItem>
            <MenuItem value="guardian">{t('intake.guardian')}</MenuItem>
          </TextField>
          {value.givenBy === 'guardian' && <TextField label={t('intake.guardianName')} value={value.guardianName} onChange={(e) => set({ guardianName: e.target.value })} {...field(`${prefix}.guardianName`)} />}
        </>
      )}
      {value.decision === 'given' && (
        <>
          <TextField type="date" label={t('intake.validUntil')} value={value.validUntil} onChange={(e) => set({ validUntil: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field(`${prefix}.validUntil`)} />
          <FormControlLabel control={<Checkbox checked={value.coversWholeTeam} onChange={(e) => set({ coversWholeTeam: e.target.checked })} />} label={t('intake.coversWholeTeam')} />
          {!value.coversWholeTeam && (
            <TextField
              select
              label={t('intake.coveredOrgs')}
              value={value.coveredOrgs}
              onChange={(e) => set({ coveredOrgs: e.target.value as unknown as string[] })}
              slotProps={{ select: { multiple: true, renderValue: (v) => (v as string[]).map((c) => orgs.data?.find((o) => o.code === c)?.name ?? c).join('、') } }}
              {...field(`${prefix}.coveredOrgs`)}
            >
              {(orgs.data ?? []).filter((o) => o.active && worksCases(o)).map((o) => (
                <MenuItem key={o.code} value={o.code}>
                  {o.name}
                </MenuItem>
              ))}
            </TextField>
          )}
        </>
      )}
      {value.decision && <TextField label={t('intake.reason')} value={value.reason} onChange={(e) => set({ reason: e.target.value })} {...field(`${prefix}.reason`)} />}
    </Box>
  );
}
