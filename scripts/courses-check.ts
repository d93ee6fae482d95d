// npm run courses:check: compiles every course and lists every problem; exits 1 if there are any.
import { checkCourses, formatProblem } from '#app/content/check.server.ts';

const editorial = !process.argv.includes('--no-editorial');
const report = await checkCourses({ editorial });
for (const problem of report.problems) console.error(formatProblem(problem));
if (report.problems.length > 0) {
  const files = new Set(report.problems.map((p) => p.file)).size;
  console.error(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.`);
  process.exit(1);
}
console.log(`Checked ${report.courses} courses and ${report.modules} modules: no problems.`);
