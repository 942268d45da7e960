import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import { ApiError, errorMessages, type ProblemMessages } from '../api/problem';
import { formatDate, formatDateTime, type Lang } from '../lib/dates';
import { currentLanguage } from '../i18n';

export function useLang(): Lang {
  const { i18n } = useTranslation();
  return i18n.language?.startsWith('en') ? 'en' : 'ja';
}

/** A calendar day in the Japanese era (ja) or Gregorian (en). */
export function EraDate({ value, weekday }: { value: string | null | undefined; weekday?: boolean }) {
  const lang = useLang();
  if (!value) return null;
  return (
    <time dateTime={value} title={value}>
      {formatDate(value, lang, { weekday })}
    </time>
  );
}

export function EraDateTime({ value }: { value: string | null | undefined }) {
  const lang = useLang();
  if (!value) return null;
  return (
    <time dateTime={value} title={value}>
      {formatDateTime(value, lang)}
    </time>
  );
}

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} — ${t('app.name')}`;
  }, [title, t]);
  return (
    <Box component="section" aria-labelledby="page-title">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <Typography id="page-title" variant="h5" component="h1" sx={{ flexGrow: 1 }}>
          {title}
        </Typography>
        {actions}
      </Box>
      {children}
    </Box>
  );
}

/** A form's submit handler: the page does not reload, `action` runs (a mutation, mostly). */
export function submitWith(action: () => void) {
  return (e: FormEvent) => {
    e.preventDefault();
    action();
  };
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <Box role="status" sx={{ display: 'flex', alignItems: 'center', gap: 1, p: 2 }}>
      <CircularProgress size={20} aria-hidden />
      <span>{t('common.loading')}</span>
    </Box>
  );
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Alert severity="info" role="alert">
      <AlertTitle>{t('common.notFound')}</AlertTitle>
      {t('common.notFoundDetail')}
    </Alert>
  );
}

/** The messages of a failed call above a form (field messages are shown by the fields). */
export function ErrorAlert({ error, fields = [] }: { error: unknown; fields?: readonly string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  if (error instanceof ApiError && error.isNotFound) return <NotFound />;
  const { top } = errorMessages(error, fields, t('common.networkError'));
  if (top.length === 0) return null;
  const [head, ...rest] = top;
  return (
    <Alert severity="error" role="alert" sx={{ mb: 2 }}>
      <AlertTitle>{head}</AlertTitle>
      {rest.length > 0 && (
        <Box component="ul" sx={{ m: 0, pl: 2 }}>
          {rest.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </Box>
      )}
    </Alert>
  );
}

/** Field messages of the last failed submit, for `error`/`helperText` of the form's fields. */
export function useFieldErrors(error: unknown, fields: readonly string[]) {
  const msgs: ProblemMessages = error ? errorMessages(error, fields, currentLanguage()) : { fields: {}, top: [] };
  return {
    messages: msgs,
    field: (name: string, help?: ReactNode) => ({
      error: Boolean(msgs.fields[name]),
      helperText: msgs.fields[name] ?? help,
    }),
  };
}

/**
 * A 412 answer: someone else changed the record. Offers to load the latest version; the form's
 * own state (what the person typed) is left alone, and they save again.
 */
export function ConflictDialog({ error, onReload }: { error: unknown; onReload: () => Promise<unknown> | void }) {
  const { t } = useTranslation();
  const stale = error instanceof ApiError && error.isStale;
  const [dismissed, setDismissed] = useState<unknown>(null);
  const [reloaded, setReloaded] = useState(false);
  const open = stale && dismissed !== error;
  return (
    <>
      <Dialog open={open} aria-labelledby="conflict-title" aria-describedby="conflict-body">
        <DialogTitle id="conflict-title">{t('conflict.title')}</DialogTitle>
        <DialogContent>
          <DialogContentText id="conflict-body">{t('conflict.body')}</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDismissed(error)}>{t('common.close')}</Button>
          <Button
            variant="contained"
            onClick={async () => {
              await onReload();
              setReloaded(true);
              setDismissed(error);
            }}
          >
            {t('conflict.reload')}
          </Button>
        </DialogActions>
      </Dialog>
      {reloaded && !open && (
        <Alert severity="info" onClose={() => setReloaded(false)} sx={{ mb: 2 }}>
          {t('conflict.reloaded')}
        </Alert>
      )}
    </>
  );
}

/** Loading, error (404 as "not found") or the content. */
export function QueryView<T>({ query, children }: { query: { isPending: boolean; error: unknown; data: T | undefined }; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorAlert error={query.error} />;
  if (query.data === undefined) return <Loading />;
  return <>{children(query.data)}</>;
}
