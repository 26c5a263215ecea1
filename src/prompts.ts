/**
 * Every question kubestrap asks lives behind this module, so tests can replace it and no prompt
 * ever runs in the middle of side-effecting work without going through here.
 */
import { input } from '@inquirer/prompts';

export async function confirmByTypingName(context: string, server: string): Promise<boolean> {
  const answer = await input({
    message: `kubestrap is about to change the cluster of context "${context}" (${server}) for the first time.\n  Type the context name to confirm:`,
  });
  return answer.trim() === context;
}
