/**
 * 実績報告: the figures the city reports for a fiscal year or one month of it, for the whole city
 * or one of the 4部, optionally masked for publication. Tables as the server labels them (Japanese
 * headings), two small charts, and downloads (the Excel workbook, each table as CSV).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { api, call } from '../api';
import type { components } from '../api/schema';
import { ErrorAlert, Loading, Page, useLang } from '../components/common';
import BarChart from '../components/BarChart';
import { useDepartments, useMe } from '../hooks';
import { fiscalYearLabel, fiscalYearMonths, fiscalYearOf, formatMonth, todayIso } from '../lib/dates';
import { filenameFromDisposition, saveBlob } from '../lib/download';
import { fixedReportDepartment, REPORT_DEPARTMENTS, type ReportDepartment } from '../nav';

type Report = components['schemas']['StatisticsReportOut'];
type ReportTable = components['schemas']['ReportTableOut'];
type TableId = components['schemas']['TableId'];

const FIRST_FISCAL_YEAR = 2021; // 令和3年度: the year the city began the project.

interface Filters {
  fiscalYear: number;
  month: string; // '' = the whole year
  department: ReportDepartment | '';
  publication: boolean;
  threshold: string;
}

function validThreshold(v: string): number | null {
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= 2 && n <= 100 ? n : null;
}

/** The query every report call shares (JSON, workbook and CSV give the same figures). */
export function reportQuery(f: Filters, fixedDept: ReportDepartment | null) {
  const threshold = validThreshold(f.threshold);
  return {
    fiscalYear: f.fiscalYear,
    month: f.month || undefined,
    department: fixedDept ?? (f.department || undefined),
    publication: f.publication || undefined,
    threshold: f.publication && threshold ? threshold : undefined,
  };
}

export default function ReportsPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const me = useMe();
  const departments = useDepartments();
  const current = fiscalYearOf(todayIso());
  const fixedDept = me.data ? fixedReportDepartment(me.data) : null;
  const [filters, setFilters] = useState<Filters>({ fiscalYear: current, month: '', department: '', publication: false, threshold: '5' });
  const thresholdOk = !filters.publication || validThreshold(filters.threshold) !== null;
  const query = reportQuery(filters, fixedDept);
  const report = useQuery({
    queryKey: ['reports', 'statistics', query, lang],
    queryFn: () => call(api.GET('/reports/statistics', { params: { query } })),
    enabled: thresholdOk && me.isSuccess,
    placeholderData: keepPreviousData,
  });
  const workbook = useMutation({
    mutationFn: async () => {
      const r = await api.GET('/reports/statistics.xlsx', { params: { query }, parseAs: 'blob' });
      const blob = await call(Promise.resolve(r));
      saveBlob(blob as Blob, filenameFromDisposition(r.response.headers.get('Content-Disposition'), `tsunagu-statistics-${filters.fiscalYear}.xlsx`));
    },
  });
  const csv = useMutation({
    mutationFn: async (table: TableId) => {
      const r = await api.GET('/reports/statistics.csv', { params: { query: { ...query, table } }, parseAs: 'blob' });
      const blob = await call(Promise.resolve(r));
      saveBlob(blob as Blob, filenameFromDisposition(r.response.headers.get('Content-Disposition'), `tsunagu-${table}-${filters.fiscalYear}.csv`));
    },
  });
  const years: number[] = [];
  for (let y = Math.max(current, FIRST_FISCAL_YEAR); y >= FIRST_FISCAL_YEAR; y--) years.push(y);
  const deptName = (code: string) => {
    const d = departments.data?.find((x) => x.code === code);
    return d ? (lang === 'en' ? d.nameEn : d.name) : code;
  };
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <Page
      title={t('reports.title')}
      actions={
        <Button variant="contained" onClick={() => workbook.mutate()} disabled={workbook.isPending || !report.data}>
          {t('reports.downloadWorkbook')}
        </Button>
      }
    >
      <Paper component="form" role="search" aria-label={t('reports.filters')} onSubmit={(e) => e.preventDefault()} sx={{ p: 2, mb: 2, display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))', gap: 1.5, alignItems: 'center' }}>
        <TextField select label={t('reports.fiscalYear')} value={String(filters.fiscalYear)} onChange={(e) => set({ fiscalYear: Number(e.target.value), month: '' })}>
          {years.map((y) => (
            <MenuItem key={y} value={String(y)}>
              {fiscalYearLabel(y, lang)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label={t('reports.month')} value={filters.month} onChange={(e) => set({ month: e.target.value })}>
          <MenuItem value="">{t('reports.wholeYear')}</MenuItem>
          {fiscalYearMonths(filters.fiscalYear).map((m) => (
            <MenuItem key={m} value={m}>
              {formatMonth(Number(m.slice(0, 4)), Number(m.slice(5)), lang)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label={t('reports.department')}
          value={fixedDept ?? filters.department}
          disabled={fixedDept !== null}
          onChange={(e) => set({ department: e.target.value as ReportDepartment | '' })}
          helperText={fixedDept ? t('reports.ownDepartment') : undefined}
        >
          <MenuItem value="">{t('reports.wholeCity')}</MenuItem>
          {REPORT_DEPARTMENTS.map((d) => (
            <MenuItem key={d} value={d}>
              {deptName(d)}
            </MenuItem>
          ))}
        </TextField>
        <FormControlLabel control={<Switch checked={filters.publication} onChange={(e) => set({ publication: e.target.checked })} />} label={t('reports.publication')} />
        <TextField
          label={t('reports.threshold')}
          type="number"
          value={filters.threshold}
          disabled={!filters.publication}
          onChange={(e) => set({ threshold: e.target.value })}
          error={!thresholdOk}
          helperText={thresholdOk ? t('reports.thresholdHelp') : t('reports.thresholdInvalid')}
          slotProps={{ htmlInput: { min: 2, max: 100 } }}
        />
      </Paper>
      <ErrorAlert error={report.error} />
      <ErrorAlert error={workbook.error} />
      <ErrorAlert error={csv.error} />
      {report.isPending && !report.error ? <Loading /> : report.data && <ReportView report={report.data} busy={report.isFetching} onCsv={(id) => csv.mutate(id)} csvPending={csv.isPending} />}
    </Page>
  );
}

function cellText(v: number | string | undefined): string {
  return v === undefined ? '' : String(v);
}

function ReportView({ report, busy, onCsv, csvPending }: { report: Report; busy: boolean; onCsv: (id: TableId) => void; csvPending: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const en = lang === 'en';
  const monthly = report.tables.find((x) => x.id === 'monthly');
  const overview = report.tables.find((x) => x.id === 'overview');
  const meetings = report.tables.find((x) => x.id === 'meetings');
  return (
    <Box aria-busy={busy} data-testid="report">
      <Box sx={{ mb: 2 }}>
        <Typography variant="h6" component="h2" data-testid="report-title">
          {report.title}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {t('reports.period')}: {report.periodLabel}　{t('reports.scope')}: {report.scopeLabel}
          {report.publication && (
            <>
              {' '}
              <Chip size="small" color="warning" label={t('reports.masked', { n: report.threshold ?? '' })} />
            </>
          )}
        </Typography>
      </Box>
      {overview && <KeyFigures table={overview} />}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '3fr 2fr' }, gap: 2, mb: 2 }}>
        {monthly && <MonthlyChart table={monthly} />}
        {meetings && <MeetingsChart table={meetings} />}
      </Box>
      {report.tables.map((table) => (
        <Paper key={table.id} variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-labelledby={`table-${table.id}`}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1 }}>
            <Typography id={`table-${table.id}`} variant="subtitle1" component="h3" sx={{ flexGrow: 1, fontWeight: 700 }}>
              {en ? table.titleEn : table.title}
            </Typography>
            <Button size="small" variant="outlined" onClick={() => onCsv(table.id)} disabled={csvPending} aria-label={t('reports.downloadCsvOf', { table: en ? table.titleEn : table.title })}>
              {t('reports.downloadCsv')}
            </Button>
          </Box>
          <TableContainer sx={{ maxWidth: '100%' }}>
            <Table size="small" aria-labelledby={`table-${table.id}`}>
              <TableHead>
                <TableRow>
                  <TableCell component="th" scope="col">
                    {table.rowHeading}
                  </TableCell>
                  {table.columns.map((c) => (
                    <TableCell key={c.key} component="th" scope="col" align="right" sx={{ whiteSpace: 'nowrap' }}>
                      {en ? c.labelEn : c.label}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {table.rows.map((r) => (
                  <TableRow key={r.key} sx={r.key === 'total' || r.key === 'case_meetings' ? { '& > *': { fontWeight: 700 } } : undefined}>
                    <TableCell component="th" scope="row">
                      {en ? r.labelEn : r.label}
                    </TableCell>
                    {table.columns.map((c) => (
                      <TableCell key={c.key} align="right" sx={{ fontVariantNumeric: 'tabular-nums', fontWeight: c.key === 'total' ? 700 : undefined }}>
                        {cellText(r.values[c.key])}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          {table.note && (
            <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
              {table.note}
            </Typography>
          )}
        </Paper>
      ))}
    </Box>
  );
}

/** The figures of 参加支援 and アウトリーチ the city reports (people, partner businesses, visits). */
export const KEY_FIGURES = [
  { group: 'participation', keys: ['participation_people', 'participation_partners', 'participation_households', 'participation_contacts'] },
  { group: 'outreach', keys: ['outreach_people', 'outreach_visits', 'outreach_households', 'outreach_contacts'] },
] as const;

export function KeyFigures({ table }: { table: ReportTable }) {
  const { t } = useTranslation();
  const en = useLang() === 'en';
  const rows = new Map(table.rows.map((r) => [r.key, r]));
  return (
    <Box component="section" aria-labelledby="key-figures" data-testid="key-figures" sx={{ mb: 2 }}>
      <Typography id="key-figures" variant="subtitle1" component="h3" sx={{ fontWeight: 700, mb: 1 }}>
        {t('reports.keyFigures')}
      </Typography>
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2 }}>
        {KEY_FIGURES.map(({ group, keys }) => (
          <Paper key={group} variant="outlined" sx={{ p: 2 }} role="group" aria-label={t(`reports.${group}`)}>
            <Typography variant="subtitle2" component="h4" sx={{ mb: 1 }}>
              {t(`reports.${group}`)}
            </Typography>
            <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(130px, 1fr))', gap: 1, m: 0 }}>
              {keys.map((key) => {
                const row = rows.get(key);
                if (!row) return null;
                return (
                  <Box key={key} data-testid={`figure-${key}`}>
                    <Typography component="dt" variant="caption" color="text.secondary">
                      {en ? row.labelEn : row.label}
                    </Typography>
                    <Typography component="dd" variant="h5" sx={{ m: 0, fontVariantNumeric: 'tabular-nums' }}>
                      {cellText(row.values.total)}
                    </Typography>
                  </Box>
                );
              })}
            </Box>
          </Paper>
        ))}
      </Box>
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
        {t('reports.keyFiguresNote')}
      </Typography>
    </Box>
  );
}

function MonthlyChart({ table }: { table: ReportTable }) {
  const { t } = useTranslation();
  const en = useLang() === 'en';
  const [rowKey, setRowKey] = useState<string>(table.rows[0]?.key ?? '');
  const row = table.rows.find((r) => r.key === rowKey) ?? table.rows[0];
  const cols = table.columns.filter((c) => c.key !== 'total');
  if (!row) return null;
  return (
    <Paper variant="outlined" sx={{ p: 2 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1, flexWrap: 'wrap' }}>
        <Typography variant="subtitle2" component="h3" sx={{ flexGrow: 1 }}>
          {t('reports.monthlyChart')}
        </Typography>
        <TextField select label={t('reports.figure')} value={row.key} onChange={(e) => setRowKey(e.target.value)} sx={{ minWidth: 240 }}>
          {table.rows.map((r) => (
            <MenuItem key={r.key} value={r.key}>
              {en ? r.labelEn : r.label}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      <BarChart
        title={`${t('reports.monthlyChart')}: ${en ? row.labelEn : row.label}`}
        categories={cols.map((c) => (en ? c.labelEn : c.label))}
        series={[{ label: en ? row.labelEn : row.label, values: cols.map((c) => row.values[c.key] ?? 0) }]}
      />
    </Paper>
  );
}

function MeetingsChart({ table }: { table: ReportTable }) {
  const { t } = useTranslation();
  const en = useLang() === 'en';
  const keys = ['regular', 'ad_hoc'].filter((k) => table.columns.some((c) => c.key === k));
  const series = keys.map((k) => {
    const col = table.columns.find((c) => c.key === k)!;
    return { label: en ? col.labelEn : col.label, values: table.rows.map((r) => r.values[k] ?? 0) };
  });
  return (
    <Paper variant="outlined" sx={{ p: 2 }}>
      <Typography variant="subtitle2" component="h3" sx={{ mb: 1 }}>
        {t('reports.meetingsChart')}
      </Typography>
      <BarChart title={t('reports.meetingsChart')} categories={table.rows.map((r) => (en ? r.labelEn : r.label))} series={series} />
    </Paper>
  );
}
