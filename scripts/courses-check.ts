// npm run courses:check: compiles every course and lists every problem; exits 1 if there are any.
import { checkCourses, formatProblem } from '#app/content/check.server.ts';

// --as-of YYYY-MM-DD runs the review-age rule for another day (what will be due next term?).
const editorial = !process.argv.includes('--no-editorial');
const asOfIndex = process.argv.indexOf('--as-of');
const asOf = asOfIndex >= 0 ? new Date(`${process.argv[asOfIndex + 1]}T12:00:00Z`) : new Date();
if (Number.isNaN(asOf.getTime())) {
  console.error('courses:check: --as-of takes a date as YYYY-MM-DD');
  process.exit(2);
}
const report = await checkCourses({ editorial, today: asOf });
for (const warning of report.warnings) console.warn(`warning: ${formatProblem(warning)}`);
for (const problem of report.problems) console.error(formatProblem(problem));
if (report.problems.length > 0) {
  const files = new Set(report.problems.map((p) => p.file)).size;
  console.error(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.`);
  process.exit(1);
}
console.log(`Checked ${report.courses} courses and ${report.modules} modules: no problems.`);
