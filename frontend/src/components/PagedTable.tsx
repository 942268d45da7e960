import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { SxProps, Theme } from '@mui/material/styles';
import type { Paged } from '../api';
import { Loading } from './common';

/** The cursors of the pages seen so far; the last one is the page shown (null: the first page). */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1],
    isFirst: cursors.length === 1,
    /** Back to the first page (the filters changed). */
    reset: () => setCursors([null]),
    previous: () => setCursors(cursors.slice(0, -1)),
    next: (nextCursor: string) => setCursors([...cursors, nextCursor]),
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

/** "Previous" and "next" buttons under a paged list. */
export function Pager({ pages, nextCursor, sx = { mt: 2 } }: { pages: CursorPages; nextCursor: string | null | undefined; sx?: Record<string, number> }) {
  const { t } = useTranslation();
  return (
    <Box sx={{ display: 'flex', gap: 2, ...sx }}>
      <Button disabled={pages.isFirst} onClick={pages.previous}>
        {t('common.previous')}
      </Button>
      <Button disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        {t('common.next')}
      </Button>
    </Box>
  );
}

type DataTableProps = {
  /** The accessible name of the table. */
  label: string;
  /** The column headings. */
  head: ReactNode[];
  /** Shown in one row over all columns when `isEmpty`. */
  empty?: ReactNode;
  isEmpty?: boolean;
  /** A scrolling `TableContainer` (instead of a plain `Paper`) around the table. */
  scroll?: boolean;
  /** The table alone, on no paper (inside a section that has its own). */
  bare?: boolean;
  stickyHeader?: boolean;
  sx?: SxProps<Theme>;
  children: ReactNode;
};

/** A small table (on paper unless `bare`): the headings, the rows, and a row saying there is nothing. */
export function DataTable({ label, head, empty, isEmpty, scroll, bare, stickyHeader, sx, children }: DataTableProps) {
  const table = (
    <Table size="small" stickyHeader={stickyHeader} aria-label={label}>
      <TableHead>
        <TableRow>
          {head.map((h, i) => (
            <TableCell key={i}>{h}</TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {children}
        {isEmpty && empty !== undefined && (
          <TableRow>
            <TableCell colSpan={head.length}>{empty}</TableCell>
          </TableRow>
        )}
      </TableBody>
    </Table>
  );
  if (bare) return table;
  return scroll ? (
    <TableContainer component={Paper} sx={sx}>
      {table}
    </TableContainer>
  ) : (
    <Paper sx={sx}>{table}</Paper>
  );
}


/** One page of a cursor-paged list as a table (or "loading"), with the pager under it. */
export function PagedTable<T>({
  query,
  pages,
  row,
  pagerSx,
  ...table
}: Omit<DataTableProps, 'children' | 'isEmpty'> & {
  query: { isPending: boolean; data: Paged<T> | undefined };
  pages: CursorPages;
  row: (item: T) => ReactNode;
  pagerSx?: Record<string, number>;
}) {
  return (
    <>
      {query.isPending ? (
        <Loading />
      ) : (
        <DataTable {...table} isEmpty={query.data?.items.length === 0}>
          {(query.data?.items ?? []).map(row)}
        </DataTable>
      )}
      <Pager pages={pages} nextCursor={query.data?.nextCursor} sx={pagerSx} />
    </>
  );
}
