import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { session } from '../api';
import { ErrorAlert } from '../components/common';
import { LanguageSelect } from '../components/Layout';
import { useSessionState } from '../hooks';

export default function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const state = useSessionState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (state === 'active') return <Navigate to={from} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.login(username.trim(), password);
      navigate(from, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', bgcolor: 'grey.100', p: 2 }}>
      <Paper sx={{ p: 4, width: '100%', maxWidth: 420 }} elevation={2}>
        <Typography variant="h4" component="h1" sx={{ fontWeight: 700 }}>
          {t('app.name')}
        </Typography>
        <Typography variant="body2" sx={{ mb: 3 }} color="text.secondary">
          {t('app.subtitle')}
        </Typography>
        <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
          {t('auth.title')}
        </Typography>
        <ErrorAlert error={error} />
        <form onSubmit={submit} noValidate>
          <TextField label={t('auth.username')} value={username} onChange={(e) => setUsername(e.target.value)} fullWidth margin="normal" autoComplete="username" required autoFocus />
          <TextField label={t('auth.password')} type="password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" autoComplete="current-password" required />
          <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', mt: 2 }}>
            <LanguageSelect />
            <Button type="submit" variant="contained" size="large" disabled={busy || !username || !password}>
              {t('auth.login')}
            </Button>
          </Box>
        </form>
      </Paper>
    </Box>
  );
}
