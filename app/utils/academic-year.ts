// The school year in England runs from 1 September to 31 August; dates are read in UK time.

const ukCalendarDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD for an instant, as the calendar date in the UK. */
export function ukDate(iso: string): string {
  return ukCalendarDate.format(new Date(iso));
}

/** "2025/26" for any date from 1 September 2025 to 31 August 2026. */
export function academicYear(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const start = month >= 9 ? year : year - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}
