/**
 * 会議の開催実績 (the secretariat's): meetings held by kind (定例・臨時), cases discussed
 * (実件数・延べ件数) and the agencies attending by field, for a range of days.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call } from '../../api';
import { EraDate, ErrorAlert, Loading } from '../../components/common';
import BarChart from '../../components/BarChart';
import { useEnumLabel } from '../../hooks';
import { fiscalYearOf, todayIso } from '../../lib/dates';

export default function MeetingStatistics() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const today = todayIso();
  const initial = { from: `${fiscalYearOf(today)}-04-01`, to: today };
  const [draft, setDraft] = useState(initial);
  const [range, setRange] = useState(initial);
  const stats = useQuery({
    queryKey: ['meetings', 'statistics', range],
    queryFn: () => call(api.GET('/meetings/statistics', { params: { query: range } })),
    placeholderData: keepPreviousData,
  });
  const fields = ['from', 'to'];
  const kinds = stats.data?.kinds ?? [];
  return (
    <Box>
      <Paper
        component="form"
        role="search"
        aria-label={t('meetings.statistics')}
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setRange(draft);
        }}
        sx={{ p: 2, mb: 2, display: 'flex', gap: 1.5, flexWrap: 'wrap', alignItems: 'center' }}
      >
        <TextField type="date" label={t('audit.from')} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} required />
        <TextField type="date" label={t('audit.to')} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} required />
        <Button type="submit" variant="contained" disabled={!draft.from || !draft.to}>
          {t('meetings.showStatistics')}
        </Button>
      </Paper>
      <ErrorAlert error={stats.error} fields={fields} />
      {stats.isPending ? (
        <Loading />
      ) : (
        stats.data && (
          <Box aria-busy={stats.isFetching}>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              <EraDate value={stats.data.from} />～<EraDate value={stats.data.to} />
            </Typography>
            <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '3fr 2fr' }, gap: 2, alignItems: 'start' }}>
              <Paper variant="outlined" sx={{ p: 2 }}>
                <Table size="small" aria-label={t('meetings.heldByKind')}>
                  <TableHead>
                    <TableRow>
                      <TableCell component="th" scope="col">{t('meetings.kind')}</TableCell>
                      <TableCell component="th" scope="col" align="right">{t('meetings.heldRegular')}</TableCell>
                      <TableCell component="th" scope="col" align="right">{t('meetings.heldAdHoc')}</TableCell>
                      <TableCell component="th" scope="col" align="right">{t('meetings.heldTotal')}</TableCell>
                      <TableCell component="th" scope="col" align="right">{t('meetings.distinctCases')}</TableCell>
                      <TableCell component="th" scope="col" align="right">{t('meetings.reviews')}</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {kinds.map((k) => (
                      <TableRow key={k.kind}>
                        <TableCell component="th" scope="row">{label('meetingKind', k.kind, k.kindLabel)}</TableCell>
                        <TableCell align="right">{k.heldRegular}</TableCell>
                        <TableCell align="right">{k.heldAdHoc}</TableCell>
                        <TableCell align="right" sx={{ fontWeight: 700 }}>{k.heldTotal}</TableCell>
                        <TableCell align="right">{k.distinctCases}</TableCell>
                        <TableCell align="right">{k.reviews}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </Paper>
              <Paper variant="outlined" sx={{ p: 2 }}>
                <BarChart
                  title={t('meetings.heldByKind')}
                  categories={kinds.map((k) => label('meetingKind', k.kind, k.kindLabel))}
                  series={[
                    { label: t('meetings.heldRegular'), values: kinds.map((k) => k.heldRegular) },
                    { label: t('meetings.heldAdHoc'), values: kinds.map((k) => k.heldAdHoc) },
                  ]}
                />
              </Paper>
            </Box>
            <Paper variant="outlined" sx={{ p: 2, mt: 2 }}>
              <Typography variant="subtitle1" component="h3" id="agencies-by-field" sx={{ mb: 1 }}>
                {t('meetings.agenciesByField')}
              </Typography>
              <Table size="small" aria-labelledby="agencies-by-field">
                <TableHead>
                  <TableRow>
                    <TableCell component="th" scope="col">{t('meetings.kind')}</TableCell>
                    {stats.data.agenciesByField.map((f) => (
                      <TableCell key={f.field} component="th" scope="col" align="right">
                        {f.name}
                      </TableCell>
                    ))}
                  </TableRow>
                </TableHead>
                <TableBody>
                  {kinds.map((k) => (
                    <TableRow key={k.kind}>
                      <TableCell component="th" scope="row">{label('meetingKind', k.kind, k.kindLabel)}</TableCell>
                      {stats.data.agenciesByField.map((f) => (
                        <TableCell key={f.field} align="right">
                          {k.agenciesByField.find((x) => x.field === f.field)?.count ?? 0}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                  <TableRow sx={{ '& > *': { fontWeight: 700 } }}>
                    <TableCell component="th" scope="row">{t('meetings.caseMeetingsTotal')}</TableCell>
                    {stats.data.agenciesByField.map((f) => (
                      <TableCell key={f.field} align="right">
                        {f.count}
                      </TableCell>
                    ))}
                  </TableRow>
                </TableBody>
              </Table>
            </Paper>
          </Box>
        )
      )}
    </Box>
  );
}
