/** The human-readable deploy report: what was created, which code runs, what was left out and why. */
import { relative } from 'node:path';
import { handlerModuleFile } from '../handler-module.ts';
import type { LocalDeployment } from './deployment.ts';

/** Created counts, the bundle each function runs, not-emulated types with counts and reasons, gaps. */
export function formatDeployReport(deployment: LocalDeployment): string {
  const lines = [
    `deployed ${deployment.stackName} locally: ${deployment.topics.length} topics, ${deployment.queues.length} queues, ` +
      `${deployment.subscriptions.length} subscriptions, ${deployment.tables.length} tables, ` +
      `${deployment.functions.length} functions, ${deployment.eventSourceMappings.length} event source mappings, ` +
      `${deployment.httpRoutes.length} HTTP routes`,
    `template: ${relative(process.cwd(), deployment.templatePath)}`,
    'code (the bundles Lambda would run):',
    ...deployment.functions.map((f) => {
      const file = handlerModuleFile(f.assetDir, f.handler);
      const where = relative(process.cwd(), file ?? f.assetDir);
      return `  ${f.logicalId} → ${file === undefined ? `no module for ${f.handler} in ${where}` : where}`;
    }),
    'not emulated:',
    ...deployment.notEmulated.map((n) => `  ${n.type} ×${n.count}: ${n.why}`),
  ];
  if (deployment.gaps.length > 0) lines.push('emulator gaps:', ...deployment.gaps.map((g) => `  ${g}`));
  return lines.join('\n');
}
