import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTheme, ThemeProvider } from '@mui/material/styles';
import CssBaseline from '@mui/material/CssBaseline';
import { enUS, jaJP } from '@mui/material/locale';
import Alert from '@mui/material/Alert';
import { RequireAuth } from './auth/AuthGate';
import Layout from './components/Layout';
import { Loading, NotFound } from './components/common';
import LoginPage from './pages/LoginPage';
import { useMe } from './hooks';
import { mayVisit, type NavKey } from './nav';
import { ApiError } from './api/problem';

// Route-level code splitting: each screen is its own chunk.
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const CaseListPage = lazy(() => import('./pages/CaseListPage'));
const IntakePage = lazy(() => import('./pages/IntakePage'));
const CasePage = lazy(() => import('./pages/CasePage'));
const PlanPage = lazy(() => import('./pages/PlanPage'));
const ReferralsPage = lazy(() => import('./pages/ReferralsPage'));
const ReferralPage = lazy(() => import('./pages/ReferralPage'));
const MeetingsPage = lazy(() => import('./pages/MeetingsPage'));
const MeetingPage = lazy(() => import('./pages/MeetingPage'));
const RequestsPage = lazy(() => import('./pages/RequestsPage'));
const ReportsPage = lazy(() => import('./pages/ReportsPage'));
const AdminPage = lazy(() => import('./pages/AdminPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));

/** Direct links to a screen the role cannot use say so (the API refuses them anyway). */
function Guard({ nav, children }: { nav: NavKey; children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (!mayVisit(me.data, nav)) return <Alert severity="warning">{t('common.forbidden')}</Alert>;
  return <>{children}</>;
}

const router = createBrowserRouter(
  [
    { path: '/login', element: <LoginPage /> },
    {
      path: '/',
      element: (
        <RequireAuth>
          <Layout />
        </RequireAuth>
      ),
      children: [
        { index: true, element: <DashboardPage /> },
        { path: 'cases', element: <Guard nav="cases"><CaseListPage /></Guard> },
        { path: 'cases/new', element: <Guard nav="intake"><IntakePage /></Guard> },
        { path: 'cases/:caseId', element: <Guard nav="cases"><CasePage /></Guard> },
        { path: 'cases/:caseId/plans/new', element: <Guard nav="cases"><PlanPage /></Guard> },
        { path: 'plans/:planId', element: <Guard nav="cases"><PlanPage /></Guard> },
        { path: 'referrals', element: <Guard nav="referrals"><ReferralsPage /></Guard> },
        { path: 'referrals/:referralId', element: <Guard nav="referrals"><ReferralPage /></Guard> },
        { path: 'meetings', element: <Guard nav="meetings"><MeetingsPage /></Guard> },
        { path: 'meetings/:meetingId', element: <Guard nav="meetings"><MeetingPage /></Guard> },
        { path: 'meeting-requests', element: <Guard nav="requests"><RequestsPage /></Guard> },
        { path: 'reports', element: <Guard nav="reports"><ReportsPage /></Guard> },
        { path: 'admin', element: <Guard nav="admin"><AdminPage /></Guard> },
        { path: 'audit', element: <Guard nav="audit"><AuditPage /></Guard> },
        { path: '*', element: <NotFound /> },
      ],
    },
  ],
  { basename: '/app' },
);

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 403/404 are answers, not failures worth retrying.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});

export default function App() {
  const { i18n } = useTranslation();
  const en = i18n.language?.startsWith('en');
  const theme = useMemo(
    () =>
      createTheme(
        {
          palette: { primary: { main: '#2e6b4f' }, secondary: { main: '#8a4b2a' } },
          typography: {
            fontFamily: '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic UI", Meiryo, system-ui, sans-serif',
          },
          components: { MuiTextField: { defaultProps: { size: 'small' } } },
        },
        en ? enUS : jaJP,
      ),
    [en],
  );
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <QueryClientProvider client={queryClient}>
        <Suspense fallback={<Loading />}>
          <RouterProvider router={router} />
        </Suspense>
      </QueryClientProvider>
    </ThemeProvider>
  );
}
