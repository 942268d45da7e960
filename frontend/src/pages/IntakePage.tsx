import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call } from '../api';
import type { components } from '../api/schema';
import { ConsentFields, consentBody, emptyConsent, type ConsentDraft } from '../components/ConsentFields';
import { ErrorAlert, Page, useFieldErrors } from '../components/common';
import { codeOptions } from '../components/options';
import { useCategories, useCodeList, useMe, useNamer, useOrganizations, useTowns, worksCases } from '../hooks';
import { hasScope } from '../nav';
import { todayIso } from '../lib/dates';

interface MemberDraft {
  name: string;
  nameKana: string;
  birthDate: string;
  relationship: string;
  isMain: boolean;
  notes: string;
  consent: ConsentDraft;
}

const FIELDS = ['intakeDate', 'intakeRoute', 'referrer', 'referrerOrg', 'mainComplaint', 'town', 'addressDetail', 'leadOrg', 'categories', 'categories.*', 'members', 'members.*'];

export default function IntakePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const name = useNamer();
  const me = useMe();
  const today = todayIso();
  const routes = useCodeList('intake_route');
  const towns = useTowns();
  const orgs = useOrganizations();
  const categories = useCategories();
  const mayConsent = me.data ? hasScope(me.data, 'consent:write') : false;

  const newMember = (isMain: boolean): MemberDraft => ({ name: '', nameKana: '', birthDate: '', relationship: isMain ? '本人' : '', isMain, notes: '', consent: emptyConsent(today) });
  const [form, setForm] = useState({ intakeDate: today, intakeRoute: '', referrer: '', referrerOrg: '', mainComplaint: '', town: '', addressDetail: '', leadOrg: '' });
  const [cats, setCats] = useState<string[]>([]);
  const [primary, setPrimary] = useState('');
  const [members, setMembers] = useState<MemberDraft[]>([newMember(true)]);

  const create = useMutation({
    mutationFn: (body: components['schemas']['CaseCreate']) => call(api.POST('/cases', { body })),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['cases'] });
      navigate(`/cases/${created.id}`, { state: { created: created.number } });
    },
  });
  const { field } = useFieldErrors(create.error, FIELDS);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({
      intakeDate: form.intakeDate,
      intakeRoute: form.intakeRoute,
      referrer: form.referrer || null,
      referrerOrg: form.referrerOrg || null,
      mainComplaint: form.mainComplaint,
      town: form.town || null,
      addressDetail: form.addressDetail || null,
      leadOrg: form.leadOrg || null,
      categories: cats.map((code) => ({ code, primary: code === (primary || cats[0]) })),
      members: members.map((m) => ({
        name: m.name,
        nameKana: m.nameKana || null,
        birthDate: m.birthDate || null,
        relationship: m.relationship,
        isMain: m.isMain,
        notes: m.notes || null,
        consent: mayConsent ? consentBody(m.consent) : null,
      })),
    });
  };

  const setMember = (i: number, patch: Partial<MemberDraft>) => setMembers(members.map((m, j) => (j === i ? { ...m, ...patch } : patch.isMain ? { ...m, isMain: false } : m)));

  return (
    <Page title={t('intake.title')}>
      <form onSubmit={submit} noValidate aria-label={t('intake.title')}>
        <ErrorAlert error={create.error} fields={FIELDS} />
        <Paper sx={{ p: 2, mb: 2 }}>
          <Typography variant="h6" component="h2" sx={{ mb: 2 }}>
            {t('intake.household')}
          </Typography>
          <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: 1.5 }}>
            <TextField type="date" label={t('intake.intakeDate')} value={form.intakeDate} onChange={(e) => setForm({ ...form, intakeDate: e.target.value })} required slotProps={{ inputLabel: { shrink: true } }} {...field('intakeDate')} />
            <TextField select label={t('intake.intakeRoute')} value={form.intakeRoute} onChange={(e) => setForm({ ...form, intakeRoute: e.target.value })} required {...field('intakeRoute')}>
              {codeOptions(routes.data ?? [], (r) => name(routes.data, r.code))}
            </TextField>
            <TextField label={t('intake.referrer')} value={form.referrer} onChange={(e) => setForm({ ...form, referrer: e.target.value })} {...field('referrer')} />
            <TextField select label={t('intake.referrerOrg')} value={form.referrerOrg} onChange={(e) => setForm({ ...form, referrerOrg: e.target.value })} {...field('referrerOrg')}>
              {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name, true)}
            </TextField>
            <TextField select label={t('intake.town')} value={form.town} onChange={(e) => setForm({ ...form, town: e.target.value })} {...field('town')}>
              {codeOptions((towns.data ?? []).filter((tw) => tw.active), (tw) => tw.name, true)}
            </TextField>
            <TextField label={t('intake.addressDetail')} value={form.addressDetail} onChange={(e) => setForm({ ...form, addressDetail: e.target.value })} {...field('addressDetail')} />
            <TextField select label={t('intake.leadOrg')} value={form.leadOrg} onChange={(e) => setForm({ ...form, leadOrg: e.target.value })} {...field('leadOrg')}>
              {codeOptions((orgs.data ?? []).filter((o) => o.active && worksCases(o)), (o) => o.name, true)}
            </TextField>
          </Box>
          <TextField label={t('intake.mainComplaint')} value={form.mainComplaint} onChange={(e) => setForm({ ...form, mainComplaint: e.target.value })} required multiline minRows={3} fullWidth sx={{ mt: 1.5 }} {...field('mainComplaint')} />
          <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 1.5, mt: 1.5 }}>
            <TextField
              select
              label={t('intake.categories')}
              value={cats}
              onChange={(e) => setCats(e.target.value as unknown as string[])}
              slotProps={{ select: { multiple: true, renderValue: (v) => (v as string[]).map((c) => name(categories.data, c)).join('、') } }}
              {...field('categories')}
            >
              {codeOptions((categories.data ?? []).filter((c) => c.active), (c) => name(categories.data, c.code))}
            </TextField>
            <TextField select label={t('intake.primary')} value={primary && cats.includes(primary) ? primary : (cats[0] ?? '')} onChange={(e) => setPrimary(e.target.value)} disabled={cats.length === 0}>
              {cats.map((c) => (
                <MenuItem key={c} value={c}>
                  {name(categories.data, c)}
                </MenuItem>
              ))}
            </TextField>
          </Box>
        </Paper>

        <Paper sx={{ p: 2, mb: 2 }}>
          <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
            {t('intake.members')}
          </Typography>
          {field('members').error && <Typography color="error">{field('members').helperText}</Typography>}
          {!mayConsent && <Typography color="text.secondary">{t('intake.noConsentScope')}</Typography>}
          {members.map((m, i) => (
            <Box key={i} component="fieldset" sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 2, mb: 2 }}>
              <Typography component="legend" sx={{ px: 1, fontWeight: 700 }}>
                {t('intake.member', { n: i + 1 })}
              </Typography>
              <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: 1.5, alignItems: 'start' }}>
                <TextField label={t('intake.name')} value={m.name} onChange={(e) => setMember(i, { name: e.target.value })} required {...field(`members.${i}.name`)} />
                <TextField label={t('intake.nameKana')} value={m.nameKana} onChange={(e) => setMember(i, { nameKana: e.target.value })} {...field(`members.${i}.nameKana`)} />
                <TextField type="date" label={t('intake.birthDate')} value={m.birthDate} onChange={(e) => setMember(i, { birthDate: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field(`members.${i}.birthDate`)} />
                <TextField label={t('intake.relationship')} value={m.relationship} onChange={(e) => setMember(i, { relationship: e.target.value })} required {...field(`members.${i}.relationship`)} />
                <FormControlLabel control={<Radio checked={m.isMain} onChange={() => setMember(i, { isMain: true })} name="isMain" />} label={t('intake.isMain')} />
              </Box>
              <TextField label={t('intake.notes')} value={m.notes} onChange={(e) => setMember(i, { notes: e.target.value })} fullWidth multiline sx={{ mt: 1.5 }} {...field(`members.${i}.notes`)} />
              {mayConsent && (
                <>
                  <Divider sx={{ my: 1.5 }} />
                  <ConsentFields value={m.consent} onChange={(consent) => setMember(i, { consent })} prefix={`members.${i}.consent`} field={field} />
                </>
              )}
              {members.length > 1 && (
                <Button sx={{ mt: 1 }} color="error" onClick={() => setMembers(members.filter((_, j) => j !== i))}>
                  {t('common.remove')}
                </Button>
              )}
            </Box>
          ))}
          <Button onClick={() => setMembers([...members, newMember(false)])}>{t('intake.addMember')}</Button>
        </Paper>
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button type="submit" variant="contained" size="large" disabled={create.isPending}>
            {t('intake.submit')}
          </Button>
        </Box>
      </form>
    </Page>
  );
}
