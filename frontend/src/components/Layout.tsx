import { Suspense } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Drawer from '@mui/material/Drawer';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { session } from '../api';
import { useMe } from '../hooks';
import { navItems } from '../nav';
import { Loading } from './common';

const DRAWER = 216;

export function LanguageSelect({ dark }: { dark?: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <TextField
      select
      size="small"
      label={t('common.language')}
      value={i18n.language?.startsWith('en') ? 'en' : 'ja'}
      onChange={(e) => void i18n.changeLanguage(e.target.value)}
      sx={dark ? { minWidth: 120, '& .MuiInputBase-root': { color: 'inherit', bgcolor: 'rgba(255,255,255,0.12)' }, '& .MuiInputLabel-root': { color: 'inherit' } } : { minWidth: 120 }}
    >
      <MenuItem value="ja">日本語</MenuItem>
      <MenuItem value="en">English</MenuItem>
    </TextField>
  );
}

export default function Layout() {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  const items = navItems(me.data);
  const isActive = (path: string) => (path === '/' ? location.pathname === '/' : location.pathname === path || (location.pathname.startsWith(path + '/') && !items.some((i) => i.path !== path && i.path.startsWith(path) && location.pathname.startsWith(i.path))));
  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <AppBar position="fixed" sx={{ zIndex: (theme) => theme.zIndex.drawer + 1 }}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography variant="h6" component="div" sx={{ fontWeight: 700 }}>
            {t('app.name')}
          </Typography>
          <Typography variant="body2" component="div" sx={{ flexGrow: 1, opacity: 0.85 }}>
            {t('app.subtitle')}
          </Typography>
          {me.data && (
            <Typography variant="body2" data-testid="current-user">
              {t('auth.loggedInAs', { name: me.data.displayName ?? me.data.username ?? me.data.sub, org: me.data.orgName ?? me.data.org ?? '' })}
            </Typography>
          )}
          <LanguageSelect dark />
          <Button color="inherit" variant="outlined" onClick={() => void session.logout()}>
            {t('auth.logout')}
          </Button>
        </Toolbar>
      </AppBar>
      <Drawer variant="permanent" sx={{ width: DRAWER, flexShrink: 0, '& .MuiDrawer-paper': { width: DRAWER, boxSizing: 'border-box' } }}>
        <Toolbar />
        <nav aria-label={t('nav.menu')}>
          <List>
            {items.map((item) => (
              <ListItemButton key={item.key} component={NavLink} to={item.path} selected={isActive(item.path)} end={item.path === '/'}>
                <ListItemText primary={t(`nav.${item.key}`)} />
              </ListItemButton>
            ))}
          </List>
        </nav>
      </Drawer>
      <Box component="main" id="main" tabIndex={-1} sx={{ flexGrow: 1, p: 3, minWidth: 0 }}>
        <Toolbar />
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </Box>
    </Box>
  );
}
