import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema of kubestrap.yaml as users write it (defaults are not required). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://kubestrap.dev/schema/v1alpha1/kubestrap.schema.json',
    title: 'kubestrap Roadmap',
    description: 'kubestrap.yaml: the roadmap configuration kubestrap plans, applies and verifies.',
    ...schema,
  };
}
