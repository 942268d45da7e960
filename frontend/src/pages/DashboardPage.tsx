import type { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import Typography from '@mui/material/Typography';
import { api, call, callAllPages } from '../api';
import type { components } from '../api/schema';
import { EraDate, ErrorAlert, Loading, Page } from '../components/common';
import { useEnumLabel, useMe } from '../hooks';
import { addDays, formatTime, todayIso } from '../lib/dates';
import { doesCaseWork, has, mayScreen } from '../nav';

function Panel({ title, count, children, testId }: { title: string; count?: number; children: ReactNode; testId: string }) {
  return (
    <Card component="section" aria-label={title} data-testid={testId} variant="outlined">
      <CardContent>
        <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 700, display: 'flex', gap: 1, alignItems: 'center' }}>
          {title}
          {count !== undefined && <Chip size="small" label={count} color={count > 0 ? 'primary' : 'default'} />}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

function Listing<T>({ query, render, empty }: { query: { isPending: boolean; error: unknown; data: T[] | undefined }; render: (row: T) => ReactNode; empty: string }) {
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorAlert error={query.error} />;
  const rows = query.data ?? [];
  if (rows.length === 0) return <Typography color="text.secondary">{empty}</Typography>;
  return (
    <List dense disablePadding>
      {rows.map((r, i) => (
        <ListItem key={i} disableGutters>
          {render(r)}
        </ListItem>
      ))}
    </List>
  );
}

type PagedQuery<T> = { isPending: boolean; error: unknown; data: { items: T[] } | undefined };

/** A panel listing one page of a list, with how many there are on it. */
function ItemsPanel<T>({ title, testId, query, render }: { title: string; testId: string; query: PagedQuery<T>; render: (row: T) => ReactNode }) {
  const { t } = useTranslation();
  return (
    <Panel title={title} count={query.data?.items.length} testId={testId}>
      <Listing query={{ ...query, data: query.data?.items }} empty={t('common.none')} render={render} />
    </Panel>
  );
}

/** Plans whose monitoring is due (or overdue), each with its next monitoring date in `color`. */
function MonitoringPanel({ title, testId, query, color }: { title: string; testId: string; query: PagedQuery<components['schemas']['PlanSummary']>; color: string }) {
  const { t } = useTranslation();
  return (
    <ItemsPanel
      title={title}
      testId={testId}
      query={query}
      render={(pl) => (
        <Box>
          <Link component={RouterLink} to={`/plans/${pl.id}`}>
            {pl.caseNumber} {t('case.planVersion', { n: pl.versionNumber })}
          </Link>{' '}
          <Typography component="span" variant="body2" color={color}>
            {t('plans.nextMonitoring')}: <EraDate value={pl.nextMonitoringDate} />
          </Typography>
        </Box>
      )}
    />
  );
}

export default function DashboardPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const me = useMe();
  const p = me.data;
  const caseWork = p ? doesCaseWork(p) : false;
  const screener = p ? mayScreen(p) : false;
  const today = todayIso();

  const inbox = useQuery({
    queryKey: ['referrals', 'inbox', 'sent'],
    queryFn: () => call(api.GET('/referrals', { params: { query: { box: 'inbox', status: ['sent'], limit: 20 } } })),
    enabled: caseWork,
  });
  const outbox = useQuery({
    queryKey: ['referrals', 'outbox', 'open'],
    queryFn: () => call(api.GET('/referrals', { params: { query: { box: 'outbox', status: ['sent', 'accepted', 'in_progress'], limit: 20 } } })),
    enabled: caseWork,
  });
  const overdue = useQuery({
    queryKey: ['plans', 'monitoring', 'overdue'],
    queryFn: () => call(api.GET('/plans', { params: { query: { monitoring: 'overdue', limit: 20 } } })),
    enabled: caseWork,
  });
  const due = useQuery({
    queryKey: ['plans', 'monitoring', 'due'],
    queryFn: () => call(api.GET('/plans', { params: { query: { monitoring: 'due', limit: 20 } } })),
    enabled: caseWork,
  });
  const meetings = useQuery({
    queryKey: ['meetings', today, addDays(today, 62)],
    queryFn: () => callAllPages((cursor) => api.GET('/meetings', { params: { query: { from: today, to: addDays(today, 62), limit: 100, cursor } } })),
    enabled: caseWork,
  });
  const requests = useQuery({
    queryKey: ['meeting-requests', 'submitted'],
    queryFn: () => call(api.GET('/meeting-requests', { params: { query: { status: 'submitted', limit: 20 } } })),
    enabled: screener,
  });

  if (me.isPending) return <Loading />;
  return (
    <Page title={t('dashboard.title')}>
      {p && !caseWork && (
        <Box sx={{ display: 'grid', gap: 2 }}>
          {has(p, 'admin') && (
            <Panel title={t('nav.admin')} testId="admin-panel">
              <Typography sx={{ mb: 1 }}>{t('dashboard.adminHint')}</Typography>
              <Link component={RouterLink} to="/admin">
                {t('nav.admin')}
              </Link>
            </Panel>
          )}
          {has(p, 'auditor') && (
            <Panel title={t('nav.audit')} testId="audit-panel">
              <Typography sx={{ mb: 1 }}>{t('dashboard.auditHint')}</Typography>
              <Link component={RouterLink} to="/audit">
                {t('nav.audit')}
              </Link>
            </Panel>
          )}
        </Box>
      )}
      {caseWork && (
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(340px, 1fr))', gap: 2 }}>
          <ItemsPanel
            title={t('dashboard.inbox')}
            testId="inbox-panel"
            query={inbox}
            render={(r) => (
              <Box>
                <Link component={RouterLink} to={`/referrals/${r.id}`}>
                  {r.caseNumber} {r.mainPersonName ?? ''}
                </Link>{' '}
                <Typography component="span" variant="body2" color="text.secondary">
                  {r.fromOrgName}
                </Typography>{' '}
                {r.urgency === 'urgent' && <Chip size="small" color="error" label={t('case.urgent')} />}{' '}
                {r.overdue && <Chip size="small" color="warning" label={t('referrals.overdue')} />}
              </Box>
            )}
          />
          <ItemsPanel
            title={t('dashboard.outbox')}
            testId="outbox-panel"
            query={outbox}
            render={(r) => (
              <Box>
                <Link component={RouterLink} to={`/referrals/${r.id}`}>
                  {r.caseNumber} → {r.toOrgName}
                </Link>{' '}
                <Chip size="small" label={label('referralStatus', r.status, r.statusLabel)} />
              </Box>
            )}
          />
          <MonitoringPanel title={t('dashboard.overdue')} testId="overdue-panel" query={overdue} color="error" />
          <MonitoringPanel title={t('dashboard.due')} testId="due-panel" query={due} color="text.secondary" />
          <Panel title={t('dashboard.meetings')} count={meetings.data?.filter((m) => m.status === 'scheduled').length} testId="meetings-panel">
            <Listing
              query={{ ...meetings, data: meetings.data?.filter((m) => m.status === 'scheduled').slice(0, 10) }}
              empty={t('common.none')}
              render={(m) => (
                <Box>
                  <Link component={RouterLink} to={`/meetings/${m.id}`}>
                    <EraDate value={m.day} weekday /> {formatTime(m.startTime)} {label('meetingKind', m.kind, m.kindLabel)}
                  </Link>{' '}
                  <Chip size="small" variant="outlined" label={m.regular ? t('meetings.regular') : t('meetings.adHoc')} />
                </Box>
              )}
            />
          </Panel>
          {screener && (
            <ItemsPanel
              title={t('dashboard.requests')}
              testId="requests-panel"
              query={requests}
              render={(r) => (
                <Box>
                  <Link component={RouterLink} to="/meeting-requests">
                    {r.caseNumber} → {label('meetingKind', r.kind, r.kindLabel)} <EraDate value={r.meetingDay} />
                  </Link>
                </Box>
              )}
            />
          )}
        </Box>
      )}
    </Page>
  );
}
