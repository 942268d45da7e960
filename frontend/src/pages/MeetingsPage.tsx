import { useState, type ReactNode } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { api, call, callAllPages } from '../api';
import type { components } from '../api/schema';
import { ErrorAlert, Page, submitWith, useFieldErrors, useLang } from '../components/common';
import { useEnumLabel, useMe } from '../hooks';
import { fiscalYearOf, formatDate, formatMonth, formatTime, monthGrid, todayIso } from '../lib/dates';
import { mayReadMeetingStatistics, schedulableKinds } from '../nav';
import MeetingStatistics from './meetings/MeetingStatistics';

type MeetingKind = components['schemas']['MeetingKind'];
const WEEKDAYS = { ja: ['月', '火', '水', '木', '金', '土', '日'], en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] };
const REGULAR_KINDS: MeetingKind[] = ['support', 'multi_agency'];

export default function MeetingsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const statsAllowed = me.data ? mayReadMeetingStatistics(me.data) : false;
  const tab = statsAllowed && params.get('tab') === 'statistics' ? 'statistics' : 'calendar';
  const tabs = statsAllowed && (
    <Tabs value={tab} onChange={(_, v) => setParams(v === 'statistics' ? { tab: 'statistics' } : {})} aria-label={t('nav.meetings')} sx={{ mb: 2, borderBottom: 1, borderColor: 'divider' }}>
      <Tab value="calendar" label={t('meetings.schedule_tab')} id="tab-calendar" aria-controls="panel-meetings" />
      <Tab value="statistics" label={t('meetings.statistics')} id="tab-statistics" aria-controls="panel-meetings" />
    </Tabs>
  );
  if (tab === 'statistics') {
    return (
      <Page title={t('meetings.statisticsTitle')}>
        {tabs}
        <Box role="tabpanel" id="panel-meetings" aria-labelledby="tab-statistics">
          <MeetingStatistics />
        </Box>
      </Page>
    );
  }
  return <Calendar tabs={tabs} />;
}

function Calendar({ tabs }: { tabs: ReactNode }) {
  const { t } = useTranslation();
  const lang = useLang();
  const label = useEnumLabel();
  const me = useMe();
  const today = todayIso();
  const [ym, setYm] = useState(() => ({ y: Number(today.slice(0, 4)), m: Number(today.slice(5, 7)) }));
  const [scheduling, setScheduling] = useState<string | null>(null);
  const pad = (n: number) => String(n).padStart(2, '0');
  const first = `${ym.y}-${pad(ym.m)}-01`;
  const last = `${ym.y}-${pad(ym.m)}-${pad(new Date(Date.UTC(ym.y, ym.m, 0)).getUTCDate())}`;
  const fy = fiscalYearOf(first);
  const meetings = useQuery({ queryKey: ['meetings', first, last], queryFn: () => callAllPages((cursor) => api.GET('/meetings', { params: { query: { from: first, to: last, limit: 100, cursor } } })) });
  const regular = useQueries({
    queries: REGULAR_KINDS.map((kind) => ({
      queryKey: ['regular-dates', kind, fy],
      queryFn: () => call(api.GET('/meeting-schedules/{kind}/dates', { params: { path: { kind }, query: { fiscalYear: fy } } })),
      staleTime: 60 * 60_000,
    })),
  });
  const regularDays = new Map<string, { kinds: MeetingKind[]; holiday: string | null; attention: boolean; deadline: string }>();
  regular.forEach((q) =>
    q.data?.dates.forEach((d) => {
      const e = regularDays.get(d.day) ?? { kinds: [], holiday: d.holidayName, attention: d.needsAttention, deadline: d.requestDeadline };
      e.kinds.push(q.data.kind);
      regularDays.set(d.day, e);
    }),
  );
  const closed = useQuery({
    queryKey: ['closed-days', first, last],
    queryFn: () => call(api.GET('/calendar/closed-days', { params: { query: { from: first, to: last } } })),
    staleTime: 60 * 60_000,
  });
  const closedDays = new Map((closed.data?.days ?? []).map((d) => [d.day, d]));
  const kinds = me.data ? schedulableKinds(me.data) : [];
  const move = (delta: number) => setYm(({ y, m }) => {
    const idx = y * 12 + (m - 1) + delta;
    return { y: Math.floor(idx / 12), m: (idx % 12) + 1 };
  });

  return (
    <Page
      title={t('meetings.calendar')}
      actions={
        kinds.length > 0 && (
          <Button variant="contained" onClick={() => setScheduling(today)}>
            {t('meetings.schedule')}
          </Button>
        )
      }
    >
      {tabs}
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
        <Button onClick={() => move(-1)} aria-label={t('meetings.prevMonth')}>
          ‹ {t('meetings.prevMonth')}
        </Button>
        <Typography variant="h6" component="h2" aria-live="polite" sx={{ minWidth: 180, textAlign: 'center' }} data-testid="calendar-month">
          {formatMonth(ym.y, ym.m, lang)}
        </Typography>
        <Button onClick={() => move(1)} aria-label={t('meetings.nextMonth')}>
          {t('meetings.nextMonth')} ›
        </Button>
        <Button onClick={() => setYm({ y: Number(today.slice(0, 4)), m: Number(today.slice(5, 7)) })}>{t('meetings.today')}</Button>
      </Box>
      <ErrorAlert error={meetings.error} />
      <Paper component="table" role="grid" aria-label={formatMonth(ym.y, ym.m, lang)} sx={{ width: '100%', borderCollapse: 'collapse', tableLayout: 'fixed', '& td, & th': { border: 1, borderColor: 'divider', verticalAlign: 'top', p: 0.5 } }}>
        <thead>
          <tr>
            {WEEKDAYS[lang].map((w, i) => (
              <Box component="th" key={w} scope="col" sx={{ color: i === 6 ? 'error.main' : i === 5 ? 'info.main' : undefined }}>
                {w}
              </Box>
            ))}
          </tr>
        </thead>
        <tbody>
          {monthGrid(ym.y, ym.m).map((week, wi) => (
            <tr key={wi}>
              {week.map((day, di) => {
                if (!day) return <td key={di} />;
                const reg = regularDays.get(day);
                const off = closedDays.get(day);
                const holiday = off?.holidayName ?? reg?.holiday ?? null;
                const dayMeetings = (meetings.data ?? []).filter((m) => m.day === day);
                return (
                  <Box component="td" key={di} data-day={day} data-closed={off ? 'true' : undefined} sx={{ height: 92, bgcolor: holiday || off ? 'rgba(211,47,47,0.07)' : day === today ? 'rgba(46,107,79,0.08)' : undefined }}>
                    <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
                      <Typography variant="body2" sx={{ fontWeight: day === today ? 700 : 400, color: holiday || off || di === 6 ? 'error.main' : undefined }}>
                        {Number(day.slice(8))}
                      </Typography>
                      {kinds.length > 0 && (
                        <Button size="small" sx={{ minWidth: 0, p: 0, px: 0.5 }} onClick={() => setScheduling(day)} aria-label={`${formatDate(day, lang)} ${t('meetings.schedule')}`}>
                          ＋
                        </Button>
                      )}
                    </Box>
                    {off && !reg && (
                      <Typography variant="caption" component="div" sx={{ color: 'error.main' }} data-testid="closed-day">
                        {off.holidayName ? t('meetings.holiday', { name: off.holidayName }) : t('meetings.yearEndBreak')}
                      </Typography>
                    )}
                    {reg && (
                      <Tooltip title={`${reg.kinds.map((k) => label('meetingKind', k)).join('・')} ${t('meetings.deadline', { date: formatDate(reg.deadline, lang) })}`}>
                        <Typography variant="caption" component="div" sx={{ color: 'primary.main' }} data-testid="regular-date">
                          {t('meetings.regular')}
                          {holiday && <Box component="span" sx={{ color: 'error.main', display: 'block' }}>{t('meetings.holiday', { name: holiday })}</Box>}
                          {reg.attention && !reg.holiday && <Box component="span" sx={{ color: 'warning.main', display: 'block' }}>{t('meetings.attention')}</Box>}
                        </Typography>
                      </Tooltip>
                    )}
                    {dayMeetings.map((m) => (
                      <Link key={m.id} component={RouterLink} to={`/meetings/${m.id}`} variant="caption" sx={{ display: 'block', textDecoration: m.status === 'cancelled' ? 'line-through' : undefined }}>
                        {formatTime(m.startTime)} {label('meetingKind', m.kind, m.kindLabel)}
                      </Link>
                    ))}
                  </Box>
                );
              })}
            </tr>
          ))}
        </tbody>
      </Paper>
      <Box sx={{ mt: 1, display: 'flex', gap: 1 }}>
        {REGULAR_KINDS.map((k) => (
          <Chip key={k} size="small" variant="outlined" label={`${t('meetings.regular')}: ${label('meetingKind', k)}`} />
        ))}
      </Box>
      {scheduling && <ScheduleDialog day={scheduling} kinds={kinds} isRegular={(d, k) => regularDays.get(d)?.kinds.includes(k as MeetingKind) ?? false} onClose={() => setScheduling(null)} />}
    </Page>
  );
}

const FIELDS = ['kind', 'day', 'startTime', 'endTime', 'place', 'regular'];

function ScheduleDialog({ day, kinds, isRegular, onClose }: { day: string; kinds: string[]; isRegular: (day: string, kind: string) => boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState({ kind: kinds[0] as MeetingKind, day, startTime: '15:00', endTime: '17:15', place: '', regular: false });
  const create = useMutation({
    mutationFn: () => call(api.POST('/meetings', { body: { kind: draft.kind, day: draft.day, startTime: draft.startTime || null, endTime: draft.endTime || null, place: draft.place || null, regular: draft.regular } })),
    onSuccess: (m) => {
      void queryClient.invalidateQueries({ queryKey: ['meetings'] });
      navigate(`/meetings/${m.id}`);
    },
  });
  const { field } = useFieldErrors(create.error, FIELDS);
  return (
    <Dialog open onClose={onClose} aria-labelledby="schedule-title" fullWidth>
      <form
        noValidate
        onSubmit={submitWith(() => create.mutate())}
      >
        <DialogTitle id="schedule-title">{t('meetings.schedule')}</DialogTitle>
        <DialogContent>
          <ErrorAlert error={create.error} fields={FIELDS} />
          <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 1.5, pt: 1 }}>
            <TextField select label={t('meetings.kind')} value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as MeetingKind })} {...field('kind')}>
              {kinds.map((k) => (
                <MenuItem key={k} value={k}>
                  {label('meetingKind', k)}
                </MenuItem>
              ))}
            </TextField>
            <TextField type="date" label={t('meetings.day')} value={draft.day} onChange={(e) => setDraft({ ...draft, day: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} required {...field('day')} />
            <TextField type="time" label={t('meetings.startTime')} value={draft.startTime} onChange={(e) => setDraft({ ...draft, startTime: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field('startTime')} />
            <TextField type="time" label={t('meetings.endTime')} value={draft.endTime} onChange={(e) => setDraft({ ...draft, endTime: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} {...field('endTime')} />
            <TextField label={t('meetings.place')} value={draft.place} onChange={(e) => setDraft({ ...draft, place: e.target.value })} {...field('place')} />
            <FormControlLabel control={<Checkbox checked={draft.regular} onChange={(e) => setDraft({ ...draft, regular: e.target.checked })} />} label={t('meetings.isRegular')} />
          </Box>
          {isRegular(draft.day, draft.kind) && !draft.regular && (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              {t('meetings.regular')}: {label('meetingKind', draft.kind)}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {t('meetings.schedule')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
