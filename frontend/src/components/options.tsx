import type { ReactNode } from 'react';
import MenuItem from '@mui/material/MenuItem';

/**
 * The items of a select over coded records (organisations, towns, master data): one item a
 * record, its value the code, and with `none` a first item "—" for no choice.
 */
export function codeOptions<T extends { code: string }>(items: readonly T[], label: (item: T) => ReactNode, none = false) {
  const options = items.map((o) => (
    <MenuItem key={o.code} value={o.code}>
      {label(o)}
    </MenuItem>
  ));
  return none
    ? [
        <MenuItem key="" value="">
          —
        </MenuItem>,
        ...options,
      ]
    : options;
}
