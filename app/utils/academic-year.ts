// The school year in England runs from 1 September to 31 August; dates are read in UK time.

const ukCalendarDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD for an instant, as the calendar date in the UK. */
export function ukDate(iso: string): string {
  return ukCalendarDate.format(new Date(iso));
}

/**
 * YYYY-MM for an instant, as the month in the UK. UK time is UTC or an hour ahead, so only a UTC
 * time in the 23:00 hour can fall in the next UK month: the rest skip the time-zone conversion,
 * which is most of the cost of a completion trend over thousands of timestamps.
 */
export function ukMonth(iso: string): string {
  return iso.endsWith('Z') && iso.length >= 13 && iso.slice(11, 13) !== '23' ? iso.slice(0, 7) : ukDate(iso).slice(0, 7);
}

/** "2025/26" for any date from 1 September 2025 to 31 August 2026. */
export function academicYear(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const start = month >= 9 ? year : year - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}
