import { useTranslation } from 'react-i18next';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import type { components } from '../../api/schema';
import { useOrganizations } from '../../hooks';
import { formatDate } from '../../lib/dates';
import { useLang } from '../../components/common';

type CaseOut = components['schemas']['CaseOut'];
type ConsentOut = components['schemas']['ConsentOut'];

/**
 * The first thing on a case: whether the person consented, what may be shared with whom, and
 * until when. Without consent the case is for a 支援会議 only.
 */
export function ConsentBanner({ kase, consents }: { kase: CaseOut; consents: ConsentOut[] | undefined }) {
  const { t } = useTranslation();
  const lang = useLang();
  const orgs = useOrganizations();
  const main = kase.members.find((m) => m.isMain);
  const mainConsent = consents?.find((c) => c.memberId === main?.id && c.inForce);
  if (kase.consentInForce) {
    const who = mainConsent
      ? mainConsent.coversWholeTeam
        ? t('consent.wholeTeam')
        : mainConsent.coveredOrgs.map((c) => orgs.data?.find((o) => o.code === c)?.name ?? c).join('、')
      : t('consent.wholeTeam');
    const until = kase.consentValidUntil ? t('consent.until', { date: formatDate(kase.consentValidUntil, lang) }) : t('consent.noLimit');
    return (
      <Alert severity="success" role="status" data-testid="consent-banner" sx={{ mb: 2 }}>
        <AlertTitle>
          {t('consent.given')}（{until}）
        </AlertTitle>
        {t('consent.withWhom', { who })}
        {mainConsent && (
          <>
            {' '}
            — {formatDate(mainConsent.decidedOn, lang)} {t(`intake.${mainConsent.method}`)}
            {mainConsent.givenBy === 'guardian' && `（${t('intake.guardian')}${mainConsent.guardianName ? `: ${mainConsent.guardianName}` : ''}）`}
          </>
        )}
      </Alert>
    );
  }
  return (
    <Alert severity="warning" role="status" data-testid="consent-banner" sx={{ mb: 2 }}>
      <AlertTitle>{t('consent.none')}</AlertTitle>
      {t('consent.noneBody')}
    </Alert>
  );
}
