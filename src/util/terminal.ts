/**
 * "Are we in CI" and "can anybody be asked", decided here only, with one meaning everywhere:
 * CI counts when the variable is set to anything but empty, `false` or `0` (so CI=false is not CI).
 */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && env.CI !== '' && !/^(false|0)$/i.test(env.CI);
}

interface Streams {
  stdin: { isTTY?: boolean };
  stdout: { isTTY?: boolean };
}

/** A person can answer a prompt: both ends are a terminal and this is not CI. */
export function canPrompt(env: NodeJS.ProcessEnv, streams: Streams = process): boolean {
  return Boolean(streams.stdin.isTTY && streams.stdout.isTTY) && !isCI(env);
}

/** Output may be drawn for a person (listr2, colours, redraws): stdout is a terminal and this is not CI. */
export function drawsForPerson(env: NodeJS.ProcessEnv, streams: Pick<Streams, 'stdout'> = process): boolean {
  return Boolean(streams.stdout.isTTY) && !isCI(env);
}
