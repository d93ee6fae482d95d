// The school year in England runs from 1 September to 31 August; dates are read in UK time.

const ukCalendarDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * YYYY-MM-DD for an instant, as the calendar date in the UK. UK time is UTC or an hour ahead, so
 * only a UTC time in the 23:00 hour can fall on the next UK day: the rest skip the time-zone
 * conversion, which is most of the cost of a completion trend over thousands of timestamps (and
 * of "today" on every page).
 */
export function ukDate(iso: string): string {
  if (iso.endsWith('Z') && iso[10] === 'T' && iso.length >= 13 && iso.slice(11, 13) !== '23') return iso.slice(0, 10);
  return ukCalendarDate.format(new Date(iso));
}

/** YYYY-MM for an instant, as the month in the UK. */
export function ukMonth(iso: string): string {
  return ukDate(iso).slice(0, 7);
}

/** "2025/26" for any date from 1 September 2025 to 31 August 2026. */
export function academicYear(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const start = month >= 9 ? year : year - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}
