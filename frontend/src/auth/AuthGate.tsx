import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import { session } from '../api';
import { ErrorAlert } from '../components/common';
import { useSessionState } from '../hooks';

/**
 * Pages behind the log-in. When the session expires on a page, the page stays mounted (with
 * whatever was typed into it) under a dialog that logs the same person in again; the requests
 * that met the expiry are retried once that succeeds.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const state = useSessionState();
  const location = useLocation();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (state === 'anonymous') queryClient.clear();
  }, [state, queryClient]);
  if (state === 'anonymous') {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return (
    <>
      {children}
      {state === 'expired' && <ReLoginDialog />}
    </>
  );
}

function ReLoginDialog() {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const username = session.username ?? '';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.login(username, password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open aria-labelledby="relogin-title" aria-describedby="relogin-body">
      <form onSubmit={submit} noValidate>
        <DialogTitle id="relogin-title">{t('auth.expiredTitle')}</DialogTitle>
        <DialogContent>
          <DialogContentText id="relogin-body" sx={{ mb: 2 }}>
            {t('auth.expiredBody')}
          </DialogContentText>
          <ErrorAlert error={error} />
          <TextField label={t('auth.username')} value={username} fullWidth margin="dense" slotProps={{ input: { readOnly: true } }} autoComplete="username" />
          <TextField
            label={t('auth.password')}
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            fullWidth
            margin="dense"
            autoFocus
            required
            autoComplete="current-password"
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => void session.logout()}>{t('auth.toLogin')}</Button>
          <Button type="submit" variant="contained" disabled={busy || !password}>
            {t('auth.loginAgain')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
