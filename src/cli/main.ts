/** Entry point of the `scheduler` bin (see ./program.ts). */
import { buildProgram } from './program';

buildProgram({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
})
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
